import { createRoute } from '@hono/zod-openapi';
import { type StatusList, StatusListSchema, StatusQuerySchema } from '@procwatch/shared';
import { statusItemsJson } from '../../queries/status.ts';
import type { AppDeps } from '../app-deps.ts';
import { adminAuth } from '../middleware/auth.ts';
import { ADMIN_PROBLEMS, ADMIN_SECURITY, json, openapi, problems } from '../openapi.ts';
import { ResponseCache } from '../response-cache.ts';
import type { RouteModule } from '../route-module.ts';

const route = (deps: AppDeps) =>
  createRoute({
    method: 'get',
    path: '/api/v1/status',
    tags: ['status'],
    summary: 'Every monitor with its latest status',
    description:
      'Served from the current-status rows (one per monitor), never from history. Filters combine with AND; ' +
      '`process_type` and `status` take comma-separated lists. A monitor is `stale` when it has no status yet ' +
      "or its latest is older than max(3 × check_interval, the host's heartbeat_timeout_seconds); a monitor " +
      'that never reported has null status fields. The list may be served again for up to ' +
      'PROCWATCH_STATUS_CACHE_MS (1 s by default; `generated_at` says when it was made), and gzip-encoded when ' +
      'the client accepts it: with thousands of monitors it is megabytes, and every dashboard polls it.',
    security: ADMIN_SECURITY,
    middleware: [adminAuth(deps)] as const,
    request: { query: StatusQuerySchema },
    responses: {
      200: json(openapi(StatusListSchema, 'StatusList'), 'Monitors by host name and monitor name'),
      ...problems(...ADMIN_PROBLEMS),
    },
  });

/** `GET /api/v1/status`. */
export const statusRoutes: RouteModule = {
  name: 'status',
  register(app, deps) {
    const cache = new ResponseCache(deps.config.statusCacheMs);
    app.openapi(route(deps), async (c) => {
      const query = c.req.valid('query');
      const body = await cache.get(JSON.stringify(query), async () => {
        const now = deps.clock();
        const items = await statusItemsJson(deps.db, query, now);
        // The items are JSON text from PostgreSQL: wrapped, not re-parsed (see statusItemsJson).
        return `{"generated_at":${JSON.stringify(now.toISOString())},"items":${items}}`;
      });
      const headers: Record<string, string> = { 'Content-Type': 'application/json', Vary: 'Accept-Encoding' };
      const gzip = /\bgzip\b/i.test(c.req.header('accept-encoding') ?? '');
      if (gzip) headers['Content-Encoding'] = 'gzip';
      const payload = gzip ? new Uint8Array(await body.gzipped()) : body.text;
      // Typed as the documented JSON (it is that JSON, serialised by PostgreSQL).
      return c.body(payload, 200, headers) as unknown as ReturnType<typeof c.json<StatusList, 200>>;
    });
  },
};
