import type { MiddlewareHandler } from 'hono';
import { matchedRoutes, routePath } from 'hono/route';
import type { CollectorMetrics } from './collector-metrics.ts';

/**
 * Counts every request by method, matched route pattern and status. The pattern, not the URL, so
 * that `/api/v1/monitors/17` and `/api/v1/monitors/18` are one series; a request no route matched
 * is `unmatched`. Register it first, so that it also sees requests answered by onError.
 */
export function httpMetrics(metrics: CollectorMetrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const ownIndex = c.req.routeIndex;
    try {
      await next();
    } finally {
      // After next(), routeIndex points at the last handler that ran: still ours, or a 404 from a
      // middleware (`app.use('/api/*')`, method ALL) → no route matched.
      const last = c.req.routeIndex;
      const unmatched =
        last === ownIndex || (c.res.status === 404 && matchedRoutes(c)[last]?.method === 'ALL');
      const route = unmatched ? 'unmatched' : routePath(c);
      metrics.observeHttpRequest(c.req.method, route, c.res.status, (performance.now() - started) / 1000);
    }
  };
}
