import type { MiddlewareHandler } from 'hono';
import { findHostByAgentToken } from '../../auth/agent-token.ts';
import { bearerToken } from '../../auth/secrets.ts';
import { ApiError } from '../api-error.ts';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { clientAddress } from './client-address.ts';

type Check = (token: string) => Promise<boolean>;

// One shape for both realms: refuse an address over its failure budget (429), refuse a missing
// token (401, not counted: a browser without a token is no attack), count and refuse a wrong one.
async function authenticate(
  deps: AppDeps,
  c: Parameters<MiddlewareHandler<AppEnv>>[0],
  realm: string,
  check: Check,
): Promise<void> {
  const address = clientAddress(c, deps.config.trustProxy);
  const nowMs = Date.now();
  const wait = deps.authFailures.retryAfterSeconds(address, nowMs);
  if (wait > 0) throw ApiError.tooManyRequests(wait);
  const token = bearerToken(c.req.header('authorization'));
  if (token === undefined) throw ApiError.unauthorized('missing_token', 'a bearer token is required', realm);
  if (!(await check(token))) {
    deps.authFailures.recordFailure(address, nowMs);
    deps.logger.warn({ realm, address, path: c.req.path }, 'bad token');
    throw ApiError.unauthorized('invalid_token', 'the bearer token is not valid', realm);
  }
}

/** Requires a host's agent token; sets `agentHost`. */
export function agentAuth(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let host: { id: number; name: string } | undefined;
    await authenticate(deps, c, 'procwatch-agent', async (token) => {
      host = await findHostByAgentToken(deps.db, token);
      return host !== undefined;
    });
    c.set('agentHost', host!);
    await next();
  };
}

/** Requires the admin token. */
export function adminAuth(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await authenticate(deps, c, 'procwatch-admin', (token) => deps.adminTokens.verify(token));
    await next();
  };
}
