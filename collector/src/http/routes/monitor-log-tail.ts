import { createRoute } from '@hono/zod-openapi';
import { LogTailQuerySchema, type MonitorLogTail, MonitorLogTailSchema } from '@procwatch/shared';
import { LogTailRequestError, requestLogTail } from '../../commands/log-tail-request.ts';
import { ApiError } from '../api-error.ts';
import type { AppDeps } from '../app-deps.ts';
import { adminAuth } from '../middleware/auth.ts';
import { ADMIN_PROBLEMS, ADMIN_SECURITY, IdParamsSchema, json, openapi, problems } from '../openapi.ts';
import type { RouteModule } from '../route-module.ts';

const route = (deps: AppDeps) =>
  createRoute({
    method: 'post',
    path: '/api/v1/monitors/{id}/log-tail',
    tags: ['monitors'],
    summary: "Fetch the end of a monitor's log_file now, through its host's agent",
    description:
      "A `log_tail` command through the agent's long-poll; the agent reads the file named by the monitor, only " +
      "under the directories its host's own agent config allows (log_dirs), and answers within 5 s. `lines` " +
      '1-1000 (default 100; at most 64 KiB). 409 when the monitor has no log_file, is inactive, its agent is ' +
      'offline (SSH never reads logs), or the agent could not read the file (`log_unavailable`); 403 ' +
      '`log_path_refused` when the file lies outside log_dirs; 504 when the agent did not answer.',
    security: ADMIN_SECURITY,
    middleware: [adminAuth(deps)] as const,
    request: { params: IdParamsSchema, query: LogTailQuerySchema },
    responses: {
      200: json(openapi(MonitorLogTailSchema, 'MonitorLogTail'), 'The last lines of the log'),
      ...problems(...ADMIN_PROBLEMS, 403, 404, 409, 504),
    },
  });

function apiErrorOf(error: unknown): unknown {
  if (!(error instanceof LogTailRequestError)) return error;
  switch (error.code) {
    case 'monitor_not_found':
      return ApiError.notFound('this monitor');
    case 'log_path_refused':
      return ApiError.forbidden(error.code, error.message);
    case 'agent_timeout':
      return new ApiError(504, error.code, error.message);
    case 'monitor_inactive':
    case 'host_inactive':
    case 'no_log_file':
    case 'agent_offline':
    case 'log_unavailable':
      return ApiError.conflict(error.code, error.message);
    default:
      return error.code satisfies never;
  }
}

/** `POST /api/v1/monitors/:id/log-tail`. */
export const monitorLogTailRoutes: RouteModule = {
  name: 'monitor-log-tail',
  register(app, deps) {
    app.openapi(route(deps), async (c) => {
      const { id } = c.req.valid('param');
      const { lines } = c.req.valid('query');
      const signal = AbortSignal.any([c.req.raw.signal, deps.signal]);
      let tail: MonitorLogTail;
      try {
        tail = await requestLogTail(deps, id, { ...(lines === undefined ? {} : { lines }), signal });
      } catch (error) {
        throw apiErrorOf(error);
      }
      return c.json(tail, 200);
    });
  },
};
