// First, so that zod is extended for OpenAPI before any shared schema is built (see http/openapi.ts).
import '@hono/zod-openapi';
import { randomUUID } from 'node:crypto';
import type { HostWithToken, Monitor, Sample } from '@procwatch/shared';
import { ensureAdminToken, generateAdminToken } from '../../src/auth/admin-token.ts';
import { type CollectorConfig, loadCollectorConfig } from '../../src/config.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { createApp } from '../../src/http/app.ts';
import { type AppDeps, type AppDepsInput, createAppDeps } from '../../src/http/app-deps.ts';
import type { ApiApp, RouteModule } from '../../src/http/route-module.ts';
import type { CollectorHooks } from '../../src/ingest/hooks.ts';
import { createLogger } from '../../src/logger.ts';
import { type Backend, openTestDatabase } from './test-database.ts';

/** Options of {@link createTestApp}. */
export interface TestAppOptions {
  /** Extra environment for loadCollectorConfig (e.g. PROCWATCH_AUTH_FAILURE_LIMIT). */
  env?: Record<string, string>;
  clock?: () => Date;
  hooks?: CollectorHooks;
  /** Use this database instead of opening one (two apps on one database); not closed by the app. */
  database?: DatabaseHandle;
  /** The admin token to store (default: a new one, which replaces the stored one: pass the first app's). */
  adminToken?: string;
  /** Route modules (default: all). */
  modules?: readonly RouteModule[];
  commands?: AppDepsInput['commands'];
}

/** An app over a fresh test database, with an admin token and request helpers. */
export interface TestApp extends AsyncDisposable {
  readonly app: ApiApp;
  readonly deps: AppDeps;
  readonly database: DatabaseHandle;
  readonly config: CollectorConfig;
  readonly adminToken: string;
  /** A request with the admin token; `body` is sent as JSON (strings and bytes as they are). */
  admin(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** A request with an agent token; `body` is sent as JSON. */
  agent(
    token: string,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** Creates a host through the API (name unique per call unless given). */
  createHost(fields?: Record<string, unknown>): Promise<HostWithToken>;
  /** Creates a QUOTE monitor on the host through the API. */
  createMonitor(hostServerId: number, fields?: Record<string, unknown>): Promise<Monitor>;
  close(): Promise<void>;
}

let counter = 0;

// Strings and bytes go as they are (malformed bodies, gzip); anything else as JSON.
function rawBody(body: unknown): string | Uint8Array<ArrayBuffer> {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return new Uint8Array(body);
  return JSON.stringify(body);
}

/** Builds the config tests use: quiet logs, no auth throttling and no status cache unless asked. */
export function testConfig(env: Record<string, string> = {}): CollectorConfig {
  // No status cache: tests read their own writes at once.
  return loadCollectorConfig({
    LOG_LEVEL: 'silent',
    PROCWATCH_AUTH_FAILURE_LIMIT: '1000000',
    PROCWATCH_STATUS_CACHE_MS: '0',
    ...env,
  });
}

/** Opens a database (unless given), stores an admin token and builds the app. */
export async function createTestApp(backend: Backend, options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await openTestDatabase(backend));
  const ownsDatabase = options.database === undefined;
  const config = testConfig(options.env);
  const logger = createLogger(process.env.PROCWATCH_TEST_LOG_LEVEL ?? 'silent');
  const adminToken = options.adminToken ?? generateAdminToken();
  await ensureAdminToken(database.db, adminToken);
  const stop = new AbortController();
  const deps = createAppDeps({
    db: database.db,
    pool: database.pool,
    dbKind: database.kind,
    logger,
    config,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(options.commands ? { commands: options.commands } : {}),
    signal: stop.signal,
  });
  const app = createApp(deps, options.modules);

  const send = async (
    token: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> =>
    app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: rawBody(body) }),
    });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      stop.abort();
      await deps.commands.close();
      if (ownsDatabase) await database.close();
    })();
    return closing;
  };

  const testApp: TestApp = {
    app,
    deps,
    database,
    config,
    adminToken,
    admin: (method, path, body, headers) => send(adminToken, method, path, body, headers),
    agent: send,
    async createHost(fields = {}) {
      counter += 1;
      const res = await send(adminToken, 'POST', '/api/v1/hosts', {
        name: `host-${process.pid}-${counter}`,
        address: '127.0.0.1',
        ...fields,
      });
      if (res.status !== 201) throw new Error(`createHost: ${res.status} ${await res.text()}`);
      return (await res.json()) as HostWithToken;
    },
    async createMonitor(hostServerId, fields = {}) {
      counter += 1;
      const res = await send(adminToken, 'POST', '/api/v1/monitors', {
        name: `monitor-${counter}`,
        process_type: 'QUOTE',
        hostServerId,
        process_name: 'quote_server',
        ...fields,
      });
      if (res.status !== 201) throw new Error(`createMonitor: ${res.status} ${await res.text()}`);
      return (await res.json()) as Monitor;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
  return testApp;
}

/** A valid sample of a monitor; override any field. */
export function makeSample(processMonitorId: number, fields: Partial<Sample> = {}): Sample {
  const checkedAt = fields.checked_at ?? new Date().toISOString();
  return {
    sample_id: randomUUID(),
    seq: 1,
    processMonitorId,
    status: 'RUNNING',
    pid: 4242,
    cpu_percent: 1.5,
    memory_percent: 0.5,
    memory_used_mb: 120,
    uptime_seconds: 3600,
    start_time: new Date(Date.parse(checkedAt) - 3_600_000).toISOString(),
    trade_day: '20261130',
    checked_at: checkedAt,
    check_duration_ms: 3,
    error_message: null,
    process_count: 1,
    matches: [],
    ...fields,
  };
}

/** A sample batch body. */
export function batchOf(samples: Sample[]): { protocol: 1; samples: Sample[] } {
  return { protocol: 1, samples };
}
