import { dayOfPartition, partitionBounds } from '../db/partitions.ts';

const DAY_MS = 86_400_000;

/** Which day partitions of ProcessStatus retention removes. */
export interface RetentionPlan {
  /** Rows checked before this instant are past retention. */
  cutoff: Date;
  /** Partitions wholly before the cutoff, oldest first. */
  drop: string[];
  /** Everything else (including names that are not day partitions: never touched). */
  keep: string[];
}

/**
 * Keeps `days` days of history: a day partition goes once its last instant is older than
 * `now - days`. So a row lives at least `days` days and at most one day (plus a job period) more;
 * the partition holding the cutoff itself is kept whole, never cut by a DELETE.
 */
export function planRetention(partitions: readonly string[], now: Date, days: number): RetentionPlan {
  if (!Number.isInteger(days) || days < 1)
    throw new Error(`retention days must be a positive integer: ${days}`);
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const drop: string[] = [];
  const keep: string[] = [];
  for (const name of [...partitions].sort()) {
    const day = dayOfPartition(name);
    if (day !== undefined && partitionBounds(day).to.getTime() <= cutoff.getTime()) drop.push(name);
    else keep.push(name);
  }
  return { cutoff, drop, keep };
}
