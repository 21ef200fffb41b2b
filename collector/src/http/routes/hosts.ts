import { createRoute } from '@hono/zod-openapi';
import {
  HostCreateSchema,
  HostSchema,
  HostUpdateSchema,
  HostWithTokenSchema,
  listOf,
} from '@procwatch/shared';
import {
  countHostMonitors,
  createHost,
  deleteHost,
  findHost,
  hostDto,
  listHosts,
  rotateAgentToken,
  updateHost,
} from '../../queries/hosts.ts';
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

const Host = openapi(HostSchema, 'Host');
const HostWithToken = openapi(HostWithTokenSchema, 'HostWithToken');
const tags = ['hosts'];

function routes(deps: AppDeps) {
  const auth = adminAuth(deps);
  const body = jsonBody(ADMIN_BODY_LIMITS);
  return {
    list: createRoute({
      method: 'get',
      path: '/api/v1/hosts',
      tags,
      summary: 'List hosts',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      responses: { 200: json(listOf(Host), 'Hosts by name'), ...problems(...ADMIN_PROBLEMS) },
    }),
    create: createRoute({
      method: 'post',
      path: '/api/v1/hosts',
      tags,
      summary: 'Create a host; the answer carries its agent token, shown only this once',
      security: ADMIN_SECURITY,
      middleware: [auth, body] as const,
      request: { body: jsonRequest(openapi(HostCreateSchema, 'HostCreate')) },
      responses: {
        201: json(HostWithToken, 'Created'),
        ...problems(...ADMIN_PROBLEMS, 409, 413, 415),
      },
    }),
    get: createRoute({
      method: 'get',
      path: '/api/v1/hosts/{id}',
      tags,
      summary: 'Get a host',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema },
      responses: { 200: json(Host, 'The host'), ...problems(...ADMIN_PROBLEMS, 404) },
    }),
    update: createRoute({
      method: 'patch',
      path: '/api/v1/hosts/{id}',
      tags,
      summary: 'Change some fields of a host',
      security: ADMIN_SECURITY,
      middleware: [auth, body] as const,
      request: { params: IdParamsSchema, body: jsonRequest(openapi(HostUpdateSchema, 'HostUpdate')) },
      responses: { 200: json(Host, 'Updated'), ...problems(...ADMIN_PROBLEMS, 404, 409, 413, 415) },
    }),
    remove: createRoute({
      method: 'delete',
      path: '/api/v1/hosts/{id}',
      tags,
      summary: 'Delete a host without monitors',
      description:
        'A host that still has monitors is not deleted (409 `host_has_monitors`): delete them first.',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema },
      responses: { 204: { description: 'Deleted' }, ...problems(...ADMIN_PROBLEMS, 404, 409) },
    }),
    rotate: createRoute({
      method: 'post',
      path: '/api/v1/hosts/{id}/rotate-token',
      tags,
      summary: 'Replace the agent token; the old one stops working at once',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema },
      responses: {
        200: json(HostWithToken, 'The host and its new token'),
        ...problems(...ADMIN_PROBLEMS, 404),
      },
    }),
  };
}

/** `/api/v1/hosts` CRUD and token rotation. */
export const hostRoutes: RouteModule = {
  name: 'hosts',
  register(app, deps) {
    const r = routes(deps);
    app.openapi(r.list, async (c) => {
      const now = deps.clock();
      const rows = await listHosts(deps.db);
      return c.json({ items: rows.map((row) => hostDto(row, now)) }, 200);
    });
    app.openapi(r.create, async (c) => {
      const created = await createHost(deps.db, c.req.valid('json'), deps.clock());
      deps.logger.info({ hostServerId: created.id, name: created.name }, 'host created');
      return c.json(created, 201);
    });
    app.openapi(r.get, async (c) => {
      const row = await findHost(deps.db, c.req.valid('param').id);
      if (!row) throw ApiError.notFound('this host');
      return c.json(hostDto(row, deps.clock()), 200);
    });
    app.openapi(r.update, async (c) => {
      const now = deps.clock();
      const row = await updateHost(deps.db, c.req.valid('param').id, c.req.valid('json'), now);
      if (!row) throw ApiError.notFound('this host');
      return c.json(hostDto(row, now), 200);
    });
    app.openapi(r.remove, async (c) => {
      const { id } = c.req.valid('param');
      if ((await countHostMonitors(deps.db, id)) > 0) {
        throw ApiError.conflict('host_has_monitors', 'the host still has monitors; delete them first');
      }
      if (!(await deleteHost(deps.db, id))) throw ApiError.notFound('this host');
      deps.logger.info({ hostServerId: id }, 'host deleted');
      return c.body(null, 204);
    });
    app.openapi(r.rotate, async (c) => {
      const { id } = c.req.valid('param');
      const rotated = await rotateAgentToken(deps.db, id, deps.clock());
      if (!rotated) throw ApiError.notFound('this host');
      deps.logger.info({ hostServerId: id }, 'agent token rotated');
      return c.json(rotated, 200);
    });
  },
};
