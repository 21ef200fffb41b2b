import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

const DAY_MS = 86_400_000;

/** The UTC day (`YYYYMMDD`) a ProcessStatus row falls in: partitions are cut at 00:00 UTC. */
export function partitionDay(instant: Date): string {
  return instant.toISOString().slice(0, 10).replaceAll('-', '');
}

/** Name of the day partition holding `day` (`YYYYMMDD`). */
export function partitionName(day: string): string {
  if (!/^\d{8}$/.test(day)) throw new Error(`not a partition day: ${day}`);
  return `ProcessStatus_p${day}`;
}

function dayStart(day: string): Date {
  return new Date(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T00:00:00Z`);
}

/** The days from `from - behind` to `from + ahead`, inclusive. */
export function partitionDaysAround(now: Date, behind: number, ahead: number): string[] {
  const today = dayStart(partitionDay(now)).getTime();
  const days: string[] = [];
  for (let i = -behind; i <= ahead; i += 1) days.push(partitionDay(new Date(today + i * DAY_MS)));
  return days;
}

/**
 * Creates the day partitions of ProcessStatus that do not exist yet. Serialised by a transaction
 * advisory lock so that several collectors (or ingest racing the partition job) never collide.
 * Returns the partitions it created.
 */
export async function ensureStatusPartitions(
  db: Kysely<Database>,
  days: Iterable<string>,
): Promise<string[]> {
  const wanted = [...new Set(days)].sort();
  if (wanted.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('procwatch:ProcessStatus partitions'))`.execute(trx);
    const existing = await sql<{ name: string }>`
      SELECT c.relname AS name FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'ProcessStatus'`.execute(trx);
    const have = new Set(existing.rows.map((r) => r.name));
    const created: string[] = [];
    for (const day of wanted) {
      const name = partitionName(day);
      if (have.has(name)) continue;
      const from = dayStart(day);
      const to = new Date(from.getTime() + DAY_MS);
      // Identifiers and bounds come from a validated YYYYMMDD, never from user text.
      await sql`CREATE TABLE ${sql.table(name)} PARTITION OF "ProcessStatus"
        FOR VALUES FROM (${sql.lit(from.toISOString())}) TO (${sql.lit(to.toISOString())})`.execute(trx);
      created.push(name);
    }
    return created;
  });
}

/** The existing day partitions of ProcessStatus, oldest first. */
export async function listStatusPartitions(db: Kysely<Database>): Promise<string[]> {
  const result = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname = 'ProcessStatus' ORDER BY c.relname`.execute(db);
  return result.rows.map((r) => r.name);
}

const PARTITION_NAME = /^ProcessStatus_p(\d{8})$/;

/** The day (`YYYYMMDD`) a partition name stands for, or undefined for any other name. */
export function dayOfPartition(name: string): string | undefined {
  return PARTITION_NAME.exec(name)?.[1];
}

/** The instants `[from, to)` a day partition holds. */
export function partitionBounds(day: string): { from: Date; to: Date } {
  const from = dayStart(day);
  return { from, to: new Date(from.getTime() + DAY_MS) };
}

/** A day table of ProcessStatus as the catalog sees it. */
export interface StatusPartitionTable {
  name: string;
  /** Attached to ProcessStatus (possibly half-way through a concurrent detach). */
  attached: boolean;
  /** A `DETACH … CONCURRENTLY` was interrupted: it needs `FINALIZE`. */
  detachPending: boolean;
  /** The planner's row estimate (`reltuples`; -1 before the first ANALYZE): cheap, for logs. */
  estimatedRows: number;
}

/**
 * Every day table of ProcessStatus: the partitions, and tables a crashed retention run detached
 * but did not drop (they are no longer in pg_inherits, so only their name finds them).
 */
export async function listStatusPartitionTables(db: Kysely<Database>): Promise<StatusPartitionTable[]> {
  const result = await sql<{ name: string; attached: boolean; detach_pending: boolean; reltuples: number }>`
    SELECT c.relname AS name, i.inhrelid IS NOT NULL AS attached,
      coalesce(i.inhdetachpending, false) AS detach_pending, c.reltuples::float8 AS reltuples
    FROM pg_class c
    LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = '"ProcessStatus"'::regclass
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
      AND c.relname ~ '^ProcessStatus_p[0-9]{8}$'
    ORDER BY c.relname`.execute(db);
  return result.rows.map((r) => ({
    name: r.name,
    attached: r.attached,
    detachPending: r.detach_pending,
    estimatedRows: Number(r.reltuples),
  }));
}

/**
 * Removes one day of history: `DETACH PARTITION … CONCURRENTLY` (a SHARE UPDATE EXCLUSIVE lock on
 * ProcessStatus, so ingest and queries go on; it cannot run inside a transaction), then `DROP TABLE`,
 * which only locks the detached table. Finishes an interrupted detach (`FINALIZE`) and drops a table
 * left detached by a crash. Works the same on PGlite (PostgreSQL 17 in WASM).
 */
export async function dropStatusPartition(
  db: Kysely<Database>,
  table: StatusPartitionTable,
): Promise<{ detachMs: number; dropMs: number }> {
  if (dayOfPartition(table.name) === undefined) throw new Error(`not a day partition: ${table.name}`);
  // The name is a validated ProcessStatus_pYYYYMMDD, never user text.
  const name = sql.table(table.name);
  const started = performance.now();
  if (table.detachPending) {
    await sql`ALTER TABLE "ProcessStatus" DETACH PARTITION ${name} FINALIZE`.execute(db);
  } else if (table.attached) {
    await sql`ALTER TABLE "ProcessStatus" DETACH PARTITION ${name} CONCURRENTLY`.execute(db);
  }
  const detached = performance.now();
  await sql`DROP TABLE IF EXISTS ${name}`.execute(db);
  return { detachMs: detached - started, dropMs: performance.now() - detached };
}
