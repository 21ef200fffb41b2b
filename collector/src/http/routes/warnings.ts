import { createRoute } from '@hono/zod-openapi';
import {
  WarningAckSchema,
  WarningListQuerySchema,
  WarningPageSchema,
  WarningSchema,
} from '@procwatch/shared';
import { engineDb } from '../../warnings/tables.ts';
import { acknowledgeWarning, findWarning, listWarnings } from '../../warnings/warning-queries.ts';
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

const Warning = openapi(WarningSchema, 'Warning');
const tags = ['warnings'];
const WarningPageDoc = openapi(WarningPageSchema, 'WarningPage');
const WarningAckDoc = openapi(WarningAckSchema, 'WarningAck');

function routes(deps: AppDeps) {
  const auth = adminAuth(deps);
  const body = jsonBody(ADMIN_BODY_LIMITS);
  return {
    list: createRoute({
      method: 'get',
      path: '/api/v1/warnings',
      tags,
      summary: 'List warnings, most recently seen first',
      description:
        '`status` and `type` take comma-separated lists; `since` keeps warnings seen at or after an instant. ' +
        'Pages of `limit` (default 100, at most 500); pass `next_cursor` as `cursor` for the next page.',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { query: WarningListQuerySchema },
      responses: {
        200: json(WarningPageDoc, 'A page of warnings'),
        ...problems(...ADMIN_PROBLEMS),
      },
    }),
    get: createRoute({
      method: 'get',
      path: '/api/v1/warnings/{id}',
      tags,
      summary: 'Get a warning',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema },
      responses: { 200: json(Warning, 'The warning'), ...problems(...ADMIN_PROBLEMS, 404) },
    }),
    ack: createRoute({
      method: 'post',
      path: '/api/v1/warnings/{id}/ack',
      tags,
      summary: 'Acknowledge an OPEN warning (who, and an optional note)',
      description:
        'OPEN → ACKNOWLEDGED; reminders stop. A resolved warning is 409 `warning_resolved`; one already ' +
        'acknowledged is 409 `warning_acknowledged` (the detail names who). It still resolves by itself when ' +
        'the condition clears.',
      security: ADMIN_SECURITY,
      middleware: [auth, body] as const,
      request: { params: IdParamsSchema, body: jsonRequest(WarningAckDoc) },
      responses: { 200: json(Warning, 'Acknowledged'), ...problems(...ADMIN_PROBLEMS, 404, 409, 413, 415) },
    }),
  };
}

/** `/api/v1/warnings`: list, get, acknowledge. */
export const warningRoutes: RouteModule = {
  name: 'warnings',
  register(app, deps) {
    const r = routes(deps);
    const db = engineDb(deps.db);
    app.openapi(r.list, async (c) => {
      const page = await listWarnings(db, c.req.valid('query'));
      if (page === undefined) {
        throw ApiError.badRequest('invalid_cursor', 'the cursor is not one of this list', [
          { path: 'cursor', message: 'is not a cursor of this list' },
        ]);
      }
      return c.json(page, 200);
    });
    app.openapi(r.get, async (c) => {
      const warning = await findWarning(db, c.req.valid('param').id);
      if (!warning) throw ApiError.notFound('this warning');
      return c.json(warning, 200);
    });
    app.openapi(r.ack, async (c) => {
      const { id } = c.req.valid('param');
      const outcome = await acknowledgeWarning(db, id, c.req.valid('json'), deps.clock());
      if (outcome.ok) {
        deps.logger.info({ opsWarningId: id, by: outcome.warning.acknowledged_by }, 'warning acknowledged');
        return c.json(outcome.warning, 200);
      }
      switch (outcome.reason) {
        case 'not_found':
          throw ApiError.notFound('this warning');
        case 'resolved':
          throw ApiError.conflict(
            'warning_resolved',
            'the warning is resolved; there is nothing to acknowledge',
          );
        case 'acknowledged':
          throw ApiError.conflict(
            'warning_acknowledged',
            `the warning was already acknowledged by ${outcome.warning?.acknowledged_by ?? 'someone'}`,
          );
        default:
          return outcome.reason satisfies never;
      }
    });
  },
};
