import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { acquireDataDirLock } from './pglite-lock.ts';
import type { Database } from './schema.ts';

/** Where the data lives: a PostgreSQL URL, or else embedded PGlite. */
export interface DatabaseConfig {
  /** PostgreSQL connection string; absent → embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite lives in `<dataDir>/pglite`; absent with no URL → in memory (tests). */
  dataDir?: string | undefined;
  /** A PGlite dump (`dumpDataDir`) to start from: tests load a migrated template instead of migrating. */
  pgliteTemplate?: Blob | File | undefined;
  /** Size of the pg pool. */
  poolMax?: number | undefined;
}

/** An open database and how to close it. */
export interface DatabaseHandle extends AsyncDisposable {
  readonly db: Kysely<Database>;
  readonly kind: 'postgres' | 'pglite';
  /** The PGlite instance, when embedded (for dumps in tests). */
  readonly pglite?: PGlite;
  /** The pg pool, on PostgreSQL (its connection counts feed /metrics). */
  readonly pool?: pg.Pool;
  close(): Promise<void>;
}

// int8 (counts, bigserial ids, seq) as a JS number on both drivers: pg gives strings and PGlite
// numbers by default, and BigInt breaks JSON. Safe below 2^53, far above any id we will reach.
const parseInt8 = (value: string) => Number.parseInt(value, 10);

function handle(
  db: Kysely<Database>,
  kind: DatabaseHandle['kind'],
  cleanup: () => void,
  pglite?: PGlite,
  pool?: pg.Pool,
) {
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= db.destroy().finally(cleanup);
    return closing;
  };
  return { db, kind, pglite, pool, close, [Symbol.asyncDispose]: close } satisfies DatabaseHandle;
}

/** Opens PostgreSQL when a URL is configured, else embedded PGlite guarded by a lock file. */
export async function createDatabase(config: DatabaseConfig): Promise<DatabaseHandle> {
  if (config.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.poolMax ?? 10,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === 20 ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client losing its server (PostgreSQL restart) emits 'error' on the pool; without a
    // listener that would crash the process. The next query simply gets a fresh connection.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return handle(db, 'postgres', () => {}, undefined, pool);
  }

  let release = () => {};
  let dataDir: string | undefined;
  if (config.dataDir) {
    dataDir = join(config.dataDir, 'pglite');
    mkdirSync(dataDir, { recursive: true });
    release = acquireDataDirLock(join(config.dataDir, 'pglite.lock'));
  }
  try {
    const pglite = await PGlite.create(dataDir ?? 'memory://', {
      parsers: { 20: parseInt8 },
      ...(config.pgliteTemplate ? { loadDataDir: config.pgliteTemplate } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    return handle(db, 'pglite', release, pglite);
  } catch (error) {
    release();
    throw error;
  }
}
