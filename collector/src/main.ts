#!/usr/bin/env node
// First: extends zod for OpenAPI before any shared schema is built (see http/openapi.ts).
import '@hono/zod-openapi';
import { errorMessage } from '@procwatch/shared';
import { generateAdminToken, storeAdminTokenHash } from './auth/admin-token.ts';
import { sha256Hex } from './auth/secrets.ts';
import { ConfigError, loadCollectorConfig } from './config.ts';
import { createDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createLogger } from './logger.ts';

const USAGE = `usage: procwatch-collector <command>

commands:
  serve                run the collector (HTTP API, jobs)
  migrate              apply database migrations and exit (a no-op when up to date)
  rotate-admin-token   replace the admin token and print the new one (the old one stops working)

Configuration comes from the environment: DATABASE_URL (absent: embedded PGlite in
$PROCWATCH_DATA_DIR/pglite), PORT, HOST, PROCWATCH_ADMIN_TOKEN, LOG_LEVEL.`;

async function migrate(): Promise<void> {
  const config = loadCollectorConfig(process.env);
  const log = createLogger(config.logLevel);
  await using database = await createDatabase(config);
  const summary = await migrateToLatest(database.db);
  log.info(
    { backend: database.kind, applied: summary.applied, partitionsCreated: summary.partitionsCreated.length },
    summary.applied.length ? 'migrations applied' : 'database is up to date',
  );
}

async function rotateAdminToken(): Promise<void> {
  const config = loadCollectorConfig(process.env);
  if (config.adminToken !== undefined) {
    throw new Error('PROCWATCH_ADMIN_TOKEN is set: change it there (it replaces the stored token at start)');
  }
  await using database = await createDatabase(config);
  await migrateToLatest(database.db);
  const token = generateAdminToken();
  await storeAdminTokenHash(database.db, sha256Hex(token));
  // stdout, for scripts; collectors pick the new hash up within seconds.
  console.log(token);
}

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  switch (command) {
    case 'migrate':
      await migrate();
      return 0;
    case 'rotate-admin-token':
      await rotateAdminToken();
      return 0;
    case 'serve': {
      const { serve } = await import('./serve.ts');
      return serve();
    }
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(
      error instanceof ConfigError ? error.message : `procwatch-collector: ${errorMessage(error)}`,
    );
    process.exitCode = 1;
  },
);
