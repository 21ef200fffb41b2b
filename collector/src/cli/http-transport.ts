import { Agent, request } from 'undici';
import type { AdminTransport } from '../dashboard/admin-api.ts';
import type { CliConnection } from './cli-config.ts';

/** The admin API over HTTP with undici: one short-lived dispatcher per CLI run. */
export function httpTransport(connection: CliConnection): AdminTransport & { close(): Promise<void> } {
  const dispatcher = new Agent({
    connect: { timeout: connection.timeoutMs },
    headersTimeout: connection.timeoutMs,
    bodyTimeout: connection.timeoutMs,
    keepAliveTimeout: 1000,
  });
  const send: AdminTransport = async ({ method, path, body, signal }) => {
    const res = await request(`${connection.url}${path}`, {
      method,
      dispatcher,
      headers: {
        authorization: `Bearer ${connection.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body }),
      ...(signal ? { signal } : {}),
    });
    const contentType = String(res.headers['content-type'] ?? '');
    return { status: res.statusCode, contentType, text: await res.body.text() };
  };
  return Object.assign(send, { close: () => dispatcher.close() });
}
