import type { Kysely } from 'kysely';
import { PARTITIONS_AHEAD_DAYS, PARTITIONS_BEHIND_DAYS } from '../db/migrate.ts';
import { ensureStatusPartitions, partitionDaysAround } from '../db/partitions.ts';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { defineJob, type Job } from './job.ts';

/** What a partition run did. */
export interface PartitionSummary extends Record<string, unknown> {
  /** Partitions created by this run (usually one a day: today + 7 days). */
  created: string[];
}

/** Options of {@link createPartitionJob}. */
export interface PartitionJobOptions {
  db: Kysely<Database>;
  log: Logger;
  /** Default 1 hour: a missed run costs nothing, a week of partitions is always ahead. */
  periodMs?: number;
  behindDays?: number;
  aheadDays?: number;
}

/** Keeps the day partitions of ProcessStatus from `today - behindDays` to `today + aheadDays` in place. */
export async function runPartitionMaintenance(
  db: Kysely<Database>,
  now: Date,
  behindDays = PARTITIONS_BEHIND_DAYS,
  aheadDays = PARTITIONS_AHEAD_DAYS,
): Promise<PartitionSummary> {
  // ensureStatusPartitions takes the partition advisory lock: ingest creating a day on demand and
  // this job never collide.
  const created = await ensureStatusPartitions(db, partitionDaysAround(now, behindDays, aheadDays));
  return { created };
}

/** The `partitions` job: {@link runPartitionMaintenance} once an hour across all collectors. */
export function createPartitionJob(options: PartitionJobOptions): Job<PartitionSummary> {
  const log = options.log.child({ component: 'partitions' });
  return defineJob({
    name: 'partitions',
    periodMs: options.periodMs ?? 3_600_000,
    timeoutMs: 5 * 60_000,
    async run(now) {
      const summary = await runPartitionMaintenance(options.db, now, options.behindDays, options.aheadDays);
      if (summary.created.length > 0)
        log.info({ created: summary.created }, 'created ProcessStatus partitions');
      return summary;
    },
  });
}
