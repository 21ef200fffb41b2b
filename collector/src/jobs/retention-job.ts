import { type Kysely, sql } from 'kysely';
import { dropStatusPartition, listStatusPartitionTables } from '../db/partitions.ts';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { deleteInBatches } from './delete-in-batches.ts';
import { defineJob, type Job } from './job.ts';
import { deleteJobRunsBefore } from './job-run-store.ts';
import { planRetention } from './retention-plan.ts';

const DAY_MS = 86_400_000;

// Tables of what rode on samples: name, primary key, time column (constants: safe for sql.table/ref).
const SIDE_TABLES = [
  ['ProcessEvent', 'id', 'at'],
  ['ProcessProbeResult', 'sample_id', 'checked_at'],
  ['ProcessLogTail', 'sample_id', 'checked_at'],
] as const;

/** How long history is kept. */
export interface RetentionSettings {
  /** Days of ProcessStatus kept (PROCWATCH_RETENTION_DAYS). */
  statusDays: number;
  /** Days a RESOLVED OpsWarning is kept after it was resolved (PROCWATCH_WARNING_RETENTION_DAYS). */
  warningDays: number;
  /**
   * Rows deleted per statement (warnings, restart events, probe results, log tails), so that no
   * statement holds many row locks for long. Default 1000.
   */
  batchSize?: number;
}

/** What a retention run removed. */
export interface RetentionSummary extends Record<string, unknown> {
  statusCutoff: string;
  droppedPartitions: { name: string; estimatedRows: number }[];
  warningCutoff: string;
  warningsDeleted: number;
  /** ProcessEvent rows (restart events) with `at` before statusCutoff. */
  eventsDeleted: number;
  /** ProcessProbeResult rows checked before statusCutoff. */
  probeResultsDeleted: number;
  /** ProcessLogTail rows checked before statusCutoff. */
  logTailsDeleted: number;
  jobRunsDeleted: number;
}

/**
 * Drops the day partitions of ProcessStatus older than the retention (DETACH CONCURRENTLY + DROP:
 * constant time whatever the day's size, no dead tuples, no VACUUM), deletes long-resolved
 * warnings, and the restart events, probe results and log tails older than the ProcessStatus cutoff
 * in batches, and forgets old JobRun rows. The same on PGlite, which is PostgreSQL too.
 */
export async function runRetention(
  db: Kysely<Database>,
  now: Date,
  settings: RetentionSettings,
  options: { signal?: AbortSignal; log?: Logger } = {},
): Promise<RetentionSummary> {
  const { signal, log } = options;
  const tables = await listStatusPartitionTables(db);
  const plan = planRetention(
    tables.map((t) => t.name),
    now,
    settings.statusDays,
  );
  const droppedPartitions: RetentionSummary['droppedPartitions'] = [];
  for (const name of plan.drop) {
    signal?.throwIfAborted();
    const table = tables.find((t) => t.name === name);
    if (!table) continue;
    await dropStatusPartition(db, table);
    const estimatedRows = Math.max(0, Math.round(table.estimatedRows));
    droppedPartitions.push({ name, estimatedRows });
    log?.info({ partition: name, estimatedRows }, 'dropped ProcessStatus partition past retention');
  }

  const warningCutoff = new Date(now.getTime() - settings.warningDays * DAY_MS);
  const batchSize = settings.batchSize ?? 1000;
  const warningsDeleted = await deleteInBatches(
    db,
    {
      table: 'OpsWarning',
      key: 'id',
      where: sql`status = 'RESOLVED' AND resolved_at < ${warningCutoff}`,
      orderBy: 'id',
      batchSize,
    },
    { signal },
  );
  if (warningsDeleted > 0) {
    log?.info(
      { warningsDeleted, before: warningCutoff.toISOString() },
      'deleted resolved warnings past retention',
    );
  }

  // What rode on samples (restart events, probe results, log tails) is kept as long as the samples'
  // history, cut at the same instant (ingest already refuses samples older than it). Each table has an
  // index on its time column (migration 0012), so that a batch reads only the rows it deletes.
  const sideDeleted: number[] = [];
  for (const [table, key, column] of SIDE_TABLES) {
    sideDeleted.push(
      await deleteInBatches(
        db,
        { table, key, where: sql`${sql.ref(column)} < ${plan.cutoff}`, orderBy: column, batchSize },
        { signal },
      ),
    );
  }
  const [eventsDeleted = 0, probeResultsDeleted = 0, logTailsDeleted = 0] = sideDeleted;
  if (eventsDeleted + probeResultsDeleted + logTailsDeleted > 0) {
    log?.info(
      { eventsDeleted, probeResultsDeleted, logTailsDeleted, before: plan.cutoff.toISOString() },
      'deleted restart events, probe results and log tails past retention',
    );
  }

  const jobRunsDeleted = await deleteJobRunsBefore(db, plan.cutoff);
  return {
    statusCutoff: plan.cutoff.toISOString(),
    droppedPartitions,
    warningCutoff: warningCutoff.toISOString(),
    warningsDeleted,
    eventsDeleted,
    probeResultsDeleted,
    logTailsDeleted,
    jobRunsDeleted,
  };
}

/** Options of {@link createRetentionJob}. */
export interface RetentionJobOptions extends RetentionSettings {
  db: Kysely<Database>;
  log: Logger;
  /** Default 1 hour: partitions go within an hour of passing the cutoff. */
  periodMs?: number;
}

/** The `retention` job: {@link runRetention} once an hour across all collectors. */
export function createRetentionJob(options: RetentionJobOptions): Job<RetentionSummary> {
  const log = options.log.child({ component: 'retention' });
  return defineJob({
    name: 'retention',
    periodMs: options.periodMs ?? 3_600_000,
    timeoutMs: 30 * 60_000,
    run: (now, signal) => runRetention(options.db, now, options, { signal, log }),
  });
}
