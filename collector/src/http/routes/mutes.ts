import { createRoute } from '@hono/zod-openapi';
import {
  listOf,
  MuteCreateSchema,
  MuteListQuerySchema,
  MuteSchema,
  MuteUpdateSchema,
} from '@procwatch/shared';
import {
  createMute,
  deleteMute,
  findMute,
  listMutes,
  muteDto,
  muteTargetExists,
  updateMute,
} from '../../warnings/mute-store.ts';
import { engineDb } from '../../warnings/tables.ts';
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

const Mute = openapi(MuteSchema, 'Mute');
const tags = ['mutes'];
const MuteCreateDoc = openapi(MuteCreateSchema, 'MuteCreate');
const MuteUpdateDoc = openapi(MuteUpdateSchema, 'MuteUpdate');

function routes(deps: AppDeps) {
  const auth = adminAuth(deps);
  const body = jsonBody(ADMIN_BODY_LIMITS);
  const path = '/api/v1/mutes';
  return {
    list: createRoute({
      method: 'get',
      path,
      tags,
      summary: 'List mutes that have not ended (`include_expired=true`: all)',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { query: MuteListQuerySchema },
      responses: { 200: json(listOf(Mute), 'Mutes, ending soonest first'), ...problems(...ADMIN_PROBLEMS) },
    }),
    create: createRoute({
      method: 'post',
      path,
      tags,
      summary: 'Mute one monitor or one host (maintenance) until a time',
      description:
        'While a mute is in force no warning is raised for its monitor (or any monitor of its host, and the ' +
        "host's AGENT_OFFLINE), and open NOT_RUNNING / CRASHED / CHECK_FAILED warnings are resolved. When it " +
        'ends with the process still down, NOT_RUNNING is raised at once. An unknown monitor or host is 400 ' +
        '`unknown_reference`.',
      security: ADMIN_SECURITY,
      middleware: [auth, body] as const,
      request: { body: jsonRequest(MuteCreateDoc) },
      responses: { 201: json(Mute, 'Created'), ...problems(...ADMIN_PROBLEMS, 413, 415) },
    }),
    get: createRoute({
      method: 'get',
      path: `${path}/{id}`,
      tags,
      summary: 'Get a mute',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema },
      responses: { 200: json(Mute, 'The mute'), ...problems(...ADMIN_PROBLEMS, 404) },
    }),
    update: createRoute({
      method: 'patch',
      path: `${path}/{id}`,
      tags,
      summary: 'Move the end of a mute or change its reason',
      security: ADMIN_SECURITY,
      middleware: [auth, body] as const,
      request: { params: IdParamsSchema, body: jsonRequest(MuteUpdateDoc) },
      responses: { 200: json(Mute, 'Updated'), ...problems(...ADMIN_PROBLEMS, 404, 413, 415) },
    }),
    remove: createRoute({
      method: 'delete',
      path: `${path}/{id}`,
      tags,
      summary: 'Delete a mute (it ends at once)',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema },
      responses: { 204: { description: 'Deleted' }, ...problems(...ADMIN_PROBLEMS, 404) },
    }),
  };
}

/** `/api/v1/mutes` CRUD. */
export const muteRoutes: RouteModule = {
  name: 'mutes',
  register(app, deps) {
    const r = routes(deps);
    const db = engineDb(deps.db);
    app.openapi(r.list, async (c) => {
      const now = deps.clock();
      const rows = await listMutes(db, c.req.valid('query'), now);
      return c.json({ items: rows.map((row) => muteDto(row, now)) }, 200);
    });
    app.openapi(r.create, async (c) => {
      const input = c.req.valid('json');
      const now = deps.clock();
      if (!(await muteTargetExists(db, input))) {
        const path = input.processMonitorId !== undefined ? 'processMonitorId' : 'hostServerId';
        throw ApiError.badRequest(
          'unknown_reference',
          'the mute names a monitor or host that does not exist',
          [{ path, message: `no ${path === 'hostServerId' ? 'host' : 'monitor'} has this id` }],
        );
      }
      if (input.starts_at === undefined && Date.parse(input.muted_until) <= now.getTime()) {
        throw ApiError.badRequest('validation_failed', 'the mute would end before it starts', [
          { path: 'muted_until', message: 'must be in the future' },
        ]);
      }
      const row = await createMute(db, input, now);
      deps.logger.info(
        { muteId: row.id, processMonitorId: row.processMonitorId, hostServerId: row.hostServerId },
        'mute created',
      );
      return c.json(muteDto(row, now), 201);
    });
    app.openapi(r.get, async (c) => {
      const row = await findMute(db, c.req.valid('param').id);
      if (!row) throw ApiError.notFound('this mute');
      return c.json(muteDto(row, deps.clock()), 200);
    });
    app.openapi(r.update, async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const existing = await findMute(db, id);
      if (!existing) throw ApiError.notFound('this mute');
      if (
        patch.muted_until !== undefined &&
        Date.parse(patch.muted_until) <= new Date(existing.starts_at).getTime()
      ) {
        throw ApiError.badRequest('validation_failed', 'the mute would end before it starts', [
          { path: 'muted_until', message: 'must be after starts_at' },
        ]);
      }
      const row = await updateMute(db, id, patch, deps.clock());
      if (!row) throw ApiError.notFound('this mute');
      return c.json(muteDto(row, deps.clock()), 200);
    });
    app.openapi(r.remove, async (c) => {
      if (!(await deleteMute(db, c.req.valid('param').id))) throw ApiError.notFound('this mute');
      return c.body(null, 204);
    });
  },
};
