import { createRoute, z } from '@hono/zod-openapi';
import { bearerToken, matchesHash, sha256Hex } from '../auth/secrets.ts';
import { ApiError } from '../http/api-error.ts';
import { problems } from '../http/openapi.ts';
import type { RouteModule } from '../http/route-module.ts';
import { collectorMetricsFor } from './collector-metrics-for.ts';
import { httpMetrics } from './http-metrics.ts';

const REALM = 'procwatch-metrics';

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['metrics'],
  summary: 'Prometheus metrics',
  description:
    'Prometheus text exposition (0.0.4): the collector’s own metrics and per-monitor gauges ' +
    '(`procwatch_process_up{host,monitor,type,account,monitor_id}` …). When PROCWATCH_METRICS_TOKEN is set, ' +
    'send it as `Authorization: Bearer <token>`.',
  responses: {
    200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } },
    ...problems(401),
  },
});

/**
 * `GET /metrics` and the request-counting middleware, both on the collector's own registry
 * ({@link collectorMetricsFor}). Optional bearer token: PROCWATCH_METRICS_TOKEN.
 */
export const metricsRoutes: RouteModule = {
  name: 'metrics',
  middleware: (deps) => httpMetrics(collectorMetricsFor(deps)),
  register(app, deps) {
    const metrics = collectorMetricsFor(deps);
    const token = deps.config.metricsToken;
    const expectedHash = token === undefined ? undefined : sha256Hex(token);
    app.openapi(metricsRoute, async (c) => {
      if (expectedHash !== undefined) {
        const sent = bearerToken(c.req.header('authorization'));
        if (sent === undefined)
          throw ApiError.unauthorized('missing_token', 'a bearer token is required', REALM);
        if (!matchesHash(sent, expectedHash)) {
          throw ApiError.unauthorized('invalid_token', 'the metrics token is not valid', REALM);
        }
      }
      const { contentType, body } = await metrics.render();
      return c.text(body, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
    });
  },
};
