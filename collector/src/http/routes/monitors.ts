import { createRoute } from '@hono/zod-openapi';
import {
  listOf,
  MonitorCreateSchema,
  MonitorDeleteQuerySchema,
  MonitorListQuerySchema,
  MonitorSchema,
  MonitorUpdateSchema,
} from '@procwatch/shared';
import { announceConfigChange } from '../../commands/config-change.ts';
import { DependencyError } from '../../queries/monitor-dependencies.ts';
import {
  createMonitor,
  deleteMonitor,
  findMonitor,
  listMonitors,
  monitorDto,
  monitorFieldsOf,
  monitorHasHistory,
  updateMonitor,
} from '../../queries/monitors.ts';
import { ApiError } from '../api-error.ts';
import type { AppDeps } from '../app-deps.ts';
import { adminAuth } from '../middleware/auth.ts';
import { jsonBody } from '../middleware/json-body.ts';
import {
  ADMIN_BODY_LIMITS,
  ADMIN_PROBLEMS,
  ADMIN_SECURITY,
  IdParamsSchema,
  json,
  jsonRequest,
  openapi,
  problems,
} from '../openapi.ts';
import type { RouteModule } from '../route-module.ts';

const Monitor = openapi(MonitorSchema, 'Monitor');
const tags = ['monitors'];

/** Runs a save, answering a bad `depends_on` as a problem naming the field. */
async function savingDependencies<T>(save: () => Promise<T>): Promise<T> {
  try {
    return await save();
  } catch (error) {
    if (!(error instanceof DependencyError)) throw error;
    const errors = [{ path: 'depends_on', message: error.message }];
    if (error.code === 'unknown_dependency') {
      throw ApiError.badRequest('unknown_reference', `depends_on: ${error.message}`, errors);
    }
    throw ApiError.conflict(error.code, `depends_on ${error.message}`, errors);
  }
}

function routes(deps: AppDeps) {
  const auth = adminAuth(deps);
  const body = jsonBody(ADMIN_BODY_LIMITS);
  return {
    list: createRoute({
      method: 'get',
      path: '/api/v1/monitors',
      tags,
      summary: 'List monitors',
      description: '`process_type` takes a comma-separated list.',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { query: MonitorListQuerySchema },
      responses: { 200: json(listOf(Monitor), 'Monitors by host and name'), ...problems(...ADMIN_PROBLEMS) },
    }),
    create: createRoute({
      method: 'post',
      path: '/api/v1/monitors',
      tags,
      summary: "Create a monitor (the design note's ProcessMonitor fields)",
      description:
        'One monitor per (hostServerId, fundAccountId, process_type) when fundAccountId is set: a second one ' +
        'is 409 `monitor_exists`. An unknown hostServerId, fundAccountId or `depends_on` id is 400 ' +
        '`unknown_reference`.',
      security: ADMIN_SECURITY,
      middleware: [auth, body] as const,
      request: { body: jsonRequest(openapi(MonitorCreateSchema, 'MonitorCreate')) },
      responses: { 201: json(Monitor, 'Created'), ...problems(...ADMIN_PROBLEMS, 409, 413, 415) },
    }),
    get: createRoute({
      method: 'get',
      path: '/api/v1/monitors/{id}',
      tags,
      summary: 'Get a monitor',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema },
      responses: { 200: json(Monitor, 'The monitor'), ...problems(...ADMIN_PROBLEMS, 404) },
    }),
    update: createRoute({
      method: 'patch',
      path: '/api/v1/monitors/{id}',
      tags,
      summary: 'Change some fields of a monitor',
      description:
        'The merged monitor must pass the create rules (e.g. a TRADER keeps its fundAccountId). A `depends_on` ' +
        'that would close a cycle (this monitor depending, through others, on itself) is 409 ' +
        '`dependency_cycle`, naming the cycle; nothing is changed.',
      security: ADMIN_SECURITY,
      middleware: [auth, body] as const,
      request: { params: IdParamsSchema, body: jsonRequest(openapi(MonitorUpdateSchema, 'MonitorUpdate')) },
      responses: { 200: json(Monitor, 'Updated'), ...problems(...ADMIN_PROBLEMS, 404, 409, 413, 415) },
    }),
    remove: createRoute({
      method: 'delete',
      path: '/api/v1/monitors/{id}',
      tags,
      summary: 'Delete a monitor',
      description:
        'A monitor with stored history is kept (409 `monitor_has_history`): to stop watching a process, set ' +
        '`active: false`, which keeps its history for audit. `?with_history=true` deletes the monitor with ' +
        'its whole history, current status and warnings.',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema, query: MonitorDeleteQuerySchema },
      responses: { 204: { description: 'Deleted' }, ...problems(...ADMIN_PROBLEMS, 404, 409) },
    }),
  };
}

/** `/api/v1/monitors` CRUD. */
export const monitorRoutes: RouteModule = {
  name: 'monitors',
  register(app, deps) {
    const r = routes(deps);
    app.openapi(r.list, async (c) => {
      const rows = await listMonitors(deps.db, c.req.valid('query'));
      return c.json({ items: rows.map(monitorDto) }, 200);
    });
    app.openapi(r.create, async (c) => {
      const input = c.req.valid('json');
      const row = await savingDependencies(() => createMonitor(deps.db, input, deps.clock()));
      deps.logger.info({ processMonitorId: row.id, hostServerId: row.hostServerId }, 'monitor created');
      await announceConfigChange(deps, [row.hostServerId]);
      return c.json(monitorDto(row), 201);
    });
    app.openapi(r.get, async (c) => {
      const row = await findMonitor(deps.db, c.req.valid('param').id);
      if (!row) throw ApiError.notFound('this monitor');
      return c.json(monitorDto(row), 200);
    });
    app.openapi(r.update, async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const existing = await findMonitor(deps.db, id);
      if (!existing) throw ApiError.notFound('this monitor');
      const merged = MonitorCreateSchema.safeParse({ ...monitorFieldsOf(existing), ...patch });
      if (!merged.success) throw ApiError.validation(merged.error, 'body, merged with the stored monitor,');
      const row = await savingDependencies(() => updateMonitor(deps.db, id, patch, deps.clock()));
      if (!row) throw ApiError.notFound('this monitor');
      // A monitor moved to another host leaves the old host's config too.
      await announceConfigChange(deps, [existing.hostServerId, row.hostServerId]);
      return c.json(monitorDto(row), 200);
    });
    app.openapi(r.remove, async (c) => {
      const { id } = c.req.valid('param');
      const { with_history: withHistory = false } = c.req.valid('query');
      const existing = await findMonitor(deps.db, id);
      if (!existing) throw ApiError.notFound('this monitor');
      if (!withHistory && (await monitorHasHistory(deps.db, id))) {
        throw ApiError.conflict(
          'monitor_has_history',
          'the monitor has history; set active: false to stop it, or delete with ?with_history=true',
        );
      }
      if (!(await deleteMonitor(deps.db, id))) throw ApiError.notFound('this monitor');
      deps.logger.info({ processMonitorId: id, withHistory }, 'monitor deleted');
      await announceConfigChange(deps, [existing.hostServerId]);
      return c.body(null, 204);
    });
  },
};
