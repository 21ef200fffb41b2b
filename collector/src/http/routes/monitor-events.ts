import { createRoute } from '@hono/zod-openapi';
import { ProcessEventListSchema, ProcessEventQuerySchema } from '@procwatch/shared';
import { listProcessEvents } from '../../ingest/restart-events.ts';
import { findMonitor } from '../../queries/monitors.ts';
import { ApiError } from '../api-error.ts';
import type { AppDeps } from '../app-deps.ts';
import { adminAuth } from '../middleware/auth.ts';
import { ADMIN_PROBLEMS, ADMIN_SECURITY, IdParamsSchema, json, openapi, problems } from '../openapi.ts';
import type { RouteModule } from '../route-module.ts';

const route = (deps: AppDeps) =>
  createRoute({
    method: 'get',
    path: '/api/v1/monitors/{id}/events',
    tags: ['monitors'],
    summary: "A monitor's restart events (auto-restart by its host's agent), newest first",
    description: '`limit` 1-1000 (default 100).',
    security: ADMIN_SECURITY,
    middleware: [adminAuth(deps)] as const,
    request: { params: IdParamsSchema, query: ProcessEventQuerySchema },
    responses: {
      200: json(openapi(ProcessEventListSchema, 'ProcessEventList'), 'Restart events'),
      ...problems(...ADMIN_PROBLEMS, 404),
    },
  });

/** `GET /api/v1/monitors/:id/events`. */
export const monitorEventRoutes: RouteModule = {
  name: 'monitor-events',
  register(app, deps) {
    app.openapi(route(deps), async (c) => {
      const { id } = c.req.valid('param');
      const { limit } = c.req.valid('query');
      if (!(await findMonitor(deps.db, id))) throw ApiError.notFound('this monitor');
      return c.json({ items: await listProcessEvents(deps.db, id, limit ?? 100) }, 200);
    });
  },
};
