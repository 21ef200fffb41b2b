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
