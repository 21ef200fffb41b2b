import type { Kysely } from 'kysely';
import { ensureStatusPartitions } from '../db/partitions.ts';
import type { Database } from '../db/schema.ts';

/**
 * The day partitions this process knows exist, so that ingest asks the catalog only for a day it
 * has not seen. Retention (possibly on another collector) may drop a day we remember: an insert
 * then fails with "no partition", and ingest calls {@link forget} and tries once more.
 */
export class PartitionCache {
  readonly #known = new Set<string>();

  constructor(private readonly db: Kysely<Database>) {}

  /** True when every day of `days` is known to exist. */
  knows(days: Iterable<string>): boolean {
    for (const day of days) if (!this.#known.has(day)) return false;
    return true;
  }

  /** Makes sure the partitions of `days` (`YYYYMMDD`) exist. */
  async ensure(days: Iterable<string>): Promise<void> {
    const missing = [...new Set(days)].filter((d) => !this.#known.has(d));
    if (missing.length === 0) return;
    await ensureStatusPartitions(this.db, missing);
    for (const day of missing) this.#known.add(day);
  }

  /** Forgets every day: the next batch checks the catalog again. */
  forget(): void {
    this.#known.clear();
  }
}

/** True for PostgreSQL's "no partition of relation … found for row". */
export function isMissingPartitionError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === '23514' && typeof e.message === 'string' && e.message.includes('no partition');
}
