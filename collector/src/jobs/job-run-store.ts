import { type ColumnType, type JSONColumnType, type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Job, JobSummary } from './job.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** State of a job's period (JobRun.state). */
export type JobRunState = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** Migration 0006: one row per (job, period), the claim of that period. */
export interface JobRunTable {
  name: string;
  period_start: Timestamp;
  state: JobRunState;
  attempts: number;
  claimed_by: string;
  started_at: Timestamp;
  lease_until: Timestamp;
  finished_at: Timestamp | null;
  duration_ms: number | null;
  summary: JSONColumnType<JobSummary | null, string | null, string | null>;
  error: string | null;
}

// JobRun belongs to the job runner alone, so its type stays here rather than in the shared schema.
function withJobRuns(db: Kysely<Database>) {
  return db.withTables<{ JobRun: JobRunTable }>();
}

/** Who claims, what and when. */
export interface ClaimRequest {
  job: Pick<Job, 'name' | 'timeoutMs' | 'maxAttempts' | 'retryDelayMs'>;
  periodStart: Date;
  now: Date;
  instanceId: string;
}

// A lease a little longer than the job's timeout: the runner aborts the job at the timeout, so a
// live owner has always finished (or failed) before anyone may take its period over.
const LEASE_GRACE_MS = 30_000;

/**
 * Claims a period for this collector: inserts the period's row, or takes over a failed attempt
 * (after the retry delay, while attempts remain) or an abandoned one (lease ran out). Atomic in
 * PostgreSQL (ON CONFLICT … DO UPDATE … WHERE re-checks the row under its lock), so of any number
 * of collectors exactly one wins. Returns the attempt number won, or undefined.
 */
export async function claimPeriod(db: Kysely<Database>, request: ClaimRequest): Promise<number | undefined> {
  const { job, periodStart, now, instanceId } = request;
  const leaseUntil = new Date(now.getTime() + job.timeoutMs + LEASE_GRACE_MS);
  const retryBefore = new Date(now.getTime() - job.retryDelayMs);
  const result = await sql<{ attempts: number }>`
    INSERT INTO "JobRun" AS r (name, period_start, state, attempts, claimed_by, started_at, lease_until)
    VALUES (${job.name}, ${periodStart}, 'RUNNING', 1, ${instanceId}, ${now}, ${leaseUntil})
    ON CONFLICT (name, period_start) DO UPDATE SET
      state = 'RUNNING', attempts = r.attempts + 1, claimed_by = EXCLUDED.claimed_by,
      started_at = EXCLUDED.started_at, lease_until = EXCLUDED.lease_until,
      finished_at = NULL, duration_ms = NULL, summary = NULL, error = NULL
    WHERE r.attempts < ${job.maxAttempts} AND (
      (r.state = 'FAILED' AND r.finished_at <= ${retryBefore})
      OR (r.state = 'RUNNING' AND r.lease_until < ${now}))
    RETURNING r.attempts`.execute(db);
  return result.rows[0]?.attempts;
}

/** The outcome of a claimed attempt. */
export interface RunOutcome {
  name: string;
  periodStart: Date;
  instanceId: string;
  attempt: number;
  finishedAt: Date;
  durationMs: number;
  summary?: JobSummary | undefined;
  error?: string | undefined;
}

/**
 * Records how an attempt ended. Fenced by (claimed_by, attempts): an owner whose lease ran out and
 * whose period was taken over cannot overwrite the new owner's row. Returns whether it was recorded.
 */
export async function finishRun(db: Kysely<Database>, outcome: RunOutcome): Promise<boolean> {
  const result = await withJobRuns(db)
    .updateTable('JobRun')
    .set({
      state: outcome.error === undefined ? 'SUCCEEDED' : 'FAILED',
      finished_at: outcome.finishedAt,
      duration_ms: Math.round(outcome.durationMs),
      summary: outcome.summary === undefined ? null : JSON.stringify(outcome.summary),
      error: outcome.error ?? null,
    })
    .where('name', '=', outcome.name)
    .where('period_start', '=', outcome.periodStart)
    .where('claimed_by', '=', outcome.instanceId)
    .where('attempts', '=', outcome.attempt)
    .where('state', '=', 'RUNNING')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A stored JobRun row. */
export interface JobRunRow {
  name: string;
  periodStart: Date;
  state: JobRunState;
  attempts: number;
  claimedBy: string;
  startedAt: Date;
  leaseUntil: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  summary: JobSummary | null;
  error: string | null;
}

/** The runs of a job (all jobs when `name` is absent), newest period first. */
export async function listJobRuns(
  db: Kysely<Database>,
  options: { name?: string; limit?: number } = {},
): Promise<JobRunRow[]> {
  let query = withJobRuns(db).selectFrom('JobRun').selectAll().orderBy('period_start', 'desc');
  if (options.name !== undefined) query = query.where('name', '=', options.name);
  const rows = await query.limit(options.limit ?? 100).execute();
  return rows.map((r) => ({
    name: r.name,
    periodStart: r.period_start,
    state: r.state,
    attempts: r.attempts,
    claimedBy: r.claimed_by,
    startedAt: r.started_at,
    leaseUntil: r.lease_until,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
    summary: r.summary,
    error: r.error,
  }));
}

/** Whether a period is settled (succeeded, or failed for good) or may still run here. */
export async function isPeriodSettled(
  db: Kysely<Database>,
  job: Pick<Job, 'name' | 'maxAttempts'>,
  periodStart: Date,
): Promise<boolean> {
  const row = await withJobRuns(db)
    .selectFrom('JobRun')
    .select(['state', 'attempts'])
    .where('name', '=', job.name)
    .where('period_start', '=', periodStart)
    .executeTakeFirst();
  if (!row) return false;
  return row.state === 'SUCCEEDED' || (row.state === 'FAILED' && row.attempts >= job.maxAttempts);
}

/** When each job last succeeded, across all collectors (for /metrics). */
export async function lastJobSuccesses(db: Kysely<Database>): Promise<Map<string, Date>> {
  const rows = await withJobRuns(db)
    .selectFrom('JobRun')
    .select(['name', (eb) => eb.fn.max('finished_at').as('finished_at')])
    .where('state', '=', 'SUCCEEDED')
    .groupBy('name')
    .execute();
  const last = new Map<string, Date>();
  for (const r of rows) if (r.finished_at) last.set(r.name, new Date(r.finished_at));
  return last;
}

/** Deletes JobRun rows of periods that started before `before`; returns how many. */
export async function deleteJobRunsBefore(db: Kysely<Database>, before: Date): Promise<number> {
  const result = await withJobRuns(db)
    .deleteFrom('JobRun')
    .where('period_start', '<', before)
    .where('state', '<>', 'RUNNING')
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
