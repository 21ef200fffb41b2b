import { createRoute } from '@hono/zod-openapi';
import { type StatusList, StatusListSchema, StatusQuerySchema } from '@procwatch/shared';
import { statusItemsJson } from '../../queries/status.ts';
import type { AppDeps } from '../app-deps.ts';
import { adminAuth } from '../middleware/auth.ts';
import { ADMIN_PROBLEMS, ADMIN_SECURITY, json, openapi, problems } from '../openapi.ts';
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
      'that never reported has null status fields.',
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
    app.openapi(route(deps), async (c) => {
      const now = deps.clock();
      const items = await statusItemsJson(deps.db, c.req.valid('query'), now);
      // The items are JSON text from PostgreSQL: wrapped, not re-parsed (see statusItemsJson).
      const body = `{"generated_at":${JSON.stringify(now.toISOString())},"items":${items}}`;
      // Typed as the documented JSON (it is that JSON, serialised by PostgreSQL).
      return c.body(body, 200, { 'Content-Type': 'application/json' }) as unknown as ReturnType<
        typeof c.json<StatusList, 200>
      >;
    });
  },
};
