import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';

/**
 * The client's address, for rate limits: the socket's peer, or (behind a trusted reverse proxy)
 * the first X-Forwarded-For entry. `unknown` under `app.request` without bindings.
 */
export function clientAddress(c: Context<AppEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  return c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
