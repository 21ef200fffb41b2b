import { createRoute, z } from '@hono/zod-openapi';
import {
  FundAccountCreateSchema,
  FundAccountKeySchema,
  FundAccountSchema,
  FundAccountUpdateSchema,
  listOf,
} from '@procwatch/shared';
import {
  countFundAccountMonitors,
  createFundAccount,
  deleteFundAccount,
  findFundAccount,
  fundAccountDto,
  listFundAccounts,
  updateFundAccount,
} from '../../queries/fund-accounts.ts';
import { ApiError } from '../api-error.ts';
import type { AppDeps } from '../app-deps.ts';
import { adminAuth } from '../middleware/auth.ts';
import { jsonBody } from '../middleware/json-body.ts';
import {
  ADMIN_BODY_LIMITS,
  ADMIN_PROBLEMS,
  ADMIN_SECURITY,
  json,
  jsonRequest,
  openapi,
  problems,
} from '../openapi.ts';
import type { RouteModule } from '../route-module.ts';

const FundAccount = openapi(FundAccountSchema, 'FundAccount');
const tags = ['fund-accounts'];
const Params = z.object({
  account: openapi(FundAccountKeySchema, { param: { name: 'account', in: 'path' }, example: 'account001' }),
});

function routes(deps: AppDeps) {
  const auth = adminAuth(deps);
  const body = jsonBody(ADMIN_BODY_LIMITS);
  return {
    list: createRoute({
      method: 'get',
      path: '/api/v1/fund-accounts',
      tags,
      summary: 'List fund accounts',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      responses: { 200: json(listOf(FundAccount), 'Fund accounts by key'), ...problems(...ADMIN_PROBLEMS) },
    }),
    create: createRoute({
      method: 'post',
      path: '/api/v1/fund-accounts',
      tags,
      summary: 'Create a fund account',
      security: ADMIN_SECURITY,
      middleware: [auth, body] as const,
      request: { body: jsonRequest(openapi(FundAccountCreateSchema, 'FundAccountCreate')) },
      responses: { 201: json(FundAccount, 'Created'), ...problems(...ADMIN_PROBLEMS, 409, 413, 415) },
    }),
    get: createRoute({
      method: 'get',
      path: '/api/v1/fund-accounts/{account}',
      tags,
      summary: 'Get a fund account',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: Params },
      responses: { 200: json(FundAccount, 'The fund account'), ...problems(...ADMIN_PROBLEMS, 404) },
    }),
    update: createRoute({
      method: 'patch',
      path: '/api/v1/fund-accounts/{account}',
      tags,
      summary: 'Change some fields of a fund account (not its key)',
      security: ADMIN_SECURITY,
      middleware: [auth, body] as const,
      request: { params: Params, body: jsonRequest(openapi(FundAccountUpdateSchema, 'FundAccountUpdate')) },
      responses: { 200: json(FundAccount, 'Updated'), ...problems(...ADMIN_PROBLEMS, 404, 413, 415) },
    }),
    remove: createRoute({
      method: 'delete',
      path: '/api/v1/fund-accounts/{account}',
      tags,
      summary: 'Delete a fund account no monitor refers to',
      description:
        'A fund account that monitors still refer to is not deleted (409 `fund_account_in_use`): a TRADER ' +
        'monitor needs its account.',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: Params },
      responses: { 204: { description: 'Deleted' }, ...problems(...ADMIN_PROBLEMS, 404, 409) },
    }),
  };
}

/** `/api/v1/fund-accounts` CRUD. */
export const fundAccountRoutes: RouteModule = {
  name: 'fund-accounts',
  register(app, deps) {
    const r = routes(deps);
    app.openapi(r.list, async (c) => {
      const rows = await listFundAccounts(deps.db);
      return c.json({ items: rows.map(fundAccountDto) }, 200);
    });
    app.openapi(r.create, async (c) => {
      const row = await createFundAccount(deps.db, c.req.valid('json'), deps.clock());
      return c.json(fundAccountDto(row), 201);
    });
    app.openapi(r.get, async (c) => {
      const row = await findFundAccount(deps.db, c.req.valid('param').account);
      if (!row) throw ApiError.notFound('this fund account');
      return c.json(fundAccountDto(row), 200);
    });
    app.openapi(r.update, async (c) => {
      const row = await updateFundAccount(
        deps.db,
        c.req.valid('param').account,
        c.req.valid('json'),
        deps.clock(),
      );
      if (!row) throw ApiError.notFound('this fund account');
      return c.json(fundAccountDto(row), 200);
    });
    app.openapi(r.remove, async (c) => {
      const { account } = c.req.valid('param');
      if ((await countFundAccountMonitors(deps.db, account)) > 0) {
        throw ApiError.conflict('fund_account_in_use', 'monitors still refer to this fund account');
      }
      if (!(await deleteFundAccount(deps.db, account))) throw ApiError.notFound('this fund account');
      return c.body(null, 204);
    });
  },
};
