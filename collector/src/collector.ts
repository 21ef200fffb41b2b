import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve as serveNode } from '@hono/node-server';
import { errorMessage } from '@procwatch/shared';
import { type AdminTokenSetup, ensureAdminToken } from './auth/admin-token.ts';
import type { CollectorExtension, CollectorJob, ExtensionParts } from './collector-extension.ts';
import { DatabaseCommandBus } from './commands/command-bus.ts';
import {
  type CommandNotifier,
  LocalCommandNotifier,
  PgCommandNotifier,
} from './commands/command-notifier.ts';
import type { CollectorConfig } from './config.ts';
import { createDatabase, type DatabaseHandle } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { collectorExtensions } from './extensions.ts';
import { createApp } from './http/app.ts';
import { type AppDeps, createAppDeps } from './http/app-deps.ts';
import type { ApiApp, RouteModule } from './http/route-module.ts';
import { combineHooks } from './ingest/hooks.ts';
import type { Logger } from './logger.ts';
import { collectorMetricsFor } from './metrics/collector-metrics-for.ts';

/** Options of {@link startCollector}. */
export interface StartCollectorOptions {
  logger: Logger;
  /** The clock (tests); default the system clock. */
  now?: () => Date;
  /** Aborting it stops the collector (as `close()` does). */
  signal?: AbortSignal;
  /** Features to set up (default: the list in extensions.ts). */
  extensions?: readonly CollectorExtension[];
  /** More background jobs, started after the extensions' ones. */
  jobs?: readonly CollectorJob[];
  /** Route modules (default: the list in http/routes/index.ts). */
  modules?: readonly RouteModule[];
  /** An open database to use (tests, embedding) instead of opening the configured one; closed on close. */
  database?: DatabaseHandle;
}

/** A running collector. */
export interface Collector extends AsyncDisposable {
  /** Base URL, e.g. http://127.0.0.1:8080 (the real port when PORT=0). */
  readonly url: string;
  readonly port: number;
  readonly database: DatabaseHandle;
  readonly app: ApiApp;
  readonly deps: AppDeps;
  /** How the admin token was set up; `generated` holds a new token to show once. */
  readonly adminToken: AdminTokenSetup;
  /** Stops: drain requests, stop jobs, close connections and the database. Idempotent. */
  close(): Promise<void>;
}

type Server = ReturnType<typeof serveNode>;

function listen(app: ApiApp, config: CollectorConfig): Promise<Server> {
  const tls = config.tls
    ? {
        createServer: createHttpsServer,
        serverOptions: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
      }
    : {};
  return new Promise((resolve, reject) => {
    const server = serveNode({ fetch: app.fetch, port: config.port, hostname: config.host, ...tls });
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * Stops a server gracefully: no new connections, idle keep-alive sockets closed at once and again
 * as requests finish, every socket cut at the deadline. (`close()` alone keeps serving keep-alive
 * sockets for seconds.)
 */
async function stopServer(server: Server, deadlineMs: number): Promise<void> {
  const http = server as Server & { closeIdleConnections?: () => void; closeAllConnections?: () => void };
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  http.closeIdleConnections?.();
  const sweeper = setInterval(() => http.closeIdleConnections?.(), 100);
  const deadline = setTimeout(() => http.closeAllConnections?.(), deadlineMs);
  try {
    await closed;
  } finally {
    clearInterval(sweeper);
    clearTimeout(deadline);
  }
}

/**
 * Opens the database, migrates it, makes sure an admin token exists, sets up the extensions, serves
 * the app and starts the background jobs. Several collectors may share one PostgreSQL.
 */
export async function startCollector(
  config: CollectorConfig,
  options: StartCollectorOptions,
): Promise<Collector> {
  const logger = options.logger;
  const clock = options.now ?? (() => new Date());
  const lifetime = new AbortController();
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      await fn().catch((error: unknown) => logger.error({ err: error }, 'shutdown step failed'));
    }
  };

  try {
    const database =
      options.database ??
      (await createDatabase({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        poolMax: config.databasePoolMax,
      }));
    cleanups.push(() => database.close());
    const migration = await migrateToLatest(database.db, clock());
    logger.info({ backend: database.kind, applied: migration.applied }, 'database ready');
    const adminToken = await ensureAdminToken(database.db, config.adminToken);

    const notifier: CommandNotifier = config.databaseUrl
      ? new PgCommandNotifier(config.databaseUrl, logger.child({ component: 'commands' }))
      : new LocalCommandNotifier();
    const commands = new DatabaseCommandBus({
      db: database.db,
      clock,
      logger: logger.child({ component: 'commands' }),
      notifier,
    });
    cleanups.push(() => commands.close());
    const deps = createAppDeps({
      db: database.db,
      pool: database.pool,
      dbKind: database.kind,
      logger,
      config,
      clock,
      commands,
      signal: lifetime.signal,
    });
    if (database.pool) collectorMetricsFor(deps).watchPool(database.pool);

    const parts: ExtensionParts[] = [];
    for (const extension of options.extensions ?? collectorExtensions) {
      const part = await extension.setup(deps);
      parts.push(part);
      const close = part.close;
      if (close) cleanups.push(() => close.call(part));
    }
    // deps.hooks is the object the sample store reads at each call: fill it in place.
    Object.assign(
      deps.hooks,
      combineHooks(
        parts.map((p) => p.hooks),
        logger,
      ),
    );

    const app = createApp(deps, options.modules);
    const server = await listen(app, config);
    const address = server.address() as AddressInfo;
    const scheme = config.tls ? 'https' : 'http';
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `${scheme}://${host}:${address.port}`;

    const jobs = [...parts.flatMap((p) => p.jobs ?? []), ...(options.jobs ?? [])];
    const running = jobs.map((job) =>
      job.run(lifetime.signal).catch((error: unknown) => {
        logger.error({ job: job.name, err: errorMessage(error) }, 'job stopped with an error');
      }),
    );
    // First step of shutdown (cleanups run in reverse): one abort ends long-polls and jobs; requests
    // drain while jobs finish, both within one deadline; then extensions, commands, database.
    cleanups.push(async () => {
      lifetime.abort();
      const deadline = config.shutdownTimeoutMs;
      await Promise.all([
        stopServer(server, deadline),
        Promise.race([Promise.all(running), new Promise((resolve) => setTimeout(resolve, deadline).unref())]),
      ]);
    });

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= cleanUp().then(() => logger.info('collector stopped'));
      return closing;
    };
    if (options.signal) {
      if (options.signal.aborted) await close();
      else options.signal.addEventListener('abort', () => void close(), { once: true });
    }
    logger.info({ url, jobs: jobs.map((j) => j.name) }, 'collector listening');
    return {
      url,
      port: address.port,
      database,
      app,
      deps,
      adminToken,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
