import { createRoute } from '@hono/zod-openapi';
import { HistoryPageSchema, HistoryQuerySchema } from '@procwatch/shared';
import { decodeHistoryCursor, historyDto, historyPage } from '../../queries/history.ts';
import { findMonitor } from '../../queries/monitors.ts';
import { ApiError } from '../api-error.ts';
import type { AppDeps } from '../app-deps.ts';
import { adminAuth } from '../middleware/auth.ts';
import { ADMIN_PROBLEMS, ADMIN_SECURITY, IdParamsSchema, json, openapi, problems } from '../openapi.ts';
import type { RouteModule } from '../route-module.ts';

const route = (deps: AppDeps) =>
  createRoute({
    method: 'get',
    path: '/api/v1/monitors/{id}/history',
    tags: ['monitors'],
    summary: "A monitor's stored samples, newest first",
    description:
      'Keyset pagination: pass `next_cursor` of a page as `cursor` to get the next (older) page; it is null on ' +
      'the last page. `from` is inclusive and `to` exclusive; `trade_day` is YYYYMMDD; `limit` 1-1000 ' +
      '(default 100).',
    security: ADMIN_SECURITY,
    middleware: [adminAuth(deps)] as const,
    request: { params: IdParamsSchema, query: HistoryQuerySchema },
    responses: {
      200: json(openapi(HistoryPageSchema, 'HistoryPage'), 'A page of history'),
      ...problems(...ADMIN_PROBLEMS, 404),
    },
  });

/** `GET /api/v1/monitors/:id/history`. */
export const monitorHistoryRoutes: RouteModule = {
  name: 'monitor-history',
  register(app, deps) {
    app.openapi(route(deps), async (c) => {
      const { id } = c.req.valid('param');
      const { cursor, ...query } = c.req.valid('query');
      const after = cursor === undefined ? undefined : decodeHistoryCursor(cursor);
      if (cursor !== undefined && after === undefined) {
        throw ApiError.badRequest('invalid_cursor', 'the cursor is not one this API gave out', [
          { path: 'cursor', message: 'is not a cursor of this list' },
        ]);
      }
      if (!(await findMonitor(deps.db, id))) throw ApiError.notFound('this monitor');
      const page = await historyPage(deps.db, id, query, after);
      return c.json({ items: page.rows.map(historyDto), next_cursor: page.next }, 200);
    });
  },
};
