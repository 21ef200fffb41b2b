import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { errorMessage, runLoop } from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { type Job, type JobSummary, periodStartOf } from './job.ts';
import { claimPeriod, finishRun, isPeriodSettled } from './job-run-store.ts';

/** What one scheduler tick did with one job. */
export interface JobRunResult {
  job: string;
  periodStart: Date;
  /** `skipped`: this collector did not run it (see `reason`). */
  outcome: 'succeeded' | 'failed' | 'skipped';
  /** `settled`: the period is done (here or elsewhere); `busy`: another collector holds it, or a retry is not due. */
  reason?: 'settled' | 'busy';
  attempt?: number;
  durationMs?: number;
  summary?: JobSummary;
  error?: string;
}

/** Options of {@link createJobScheduler}. */
export interface JobSchedulerOptions {
  db: Kysely<Database>;
  // biome-ignore lint/suspicious/noExplicitAny: jobs of any summary type run side by side
  jobs: readonly Job<any>[];
  log: Logger;
  /** Names this collector in JobRun.claimed_by; default `<hostname>:<pid>:<random>`. */
  instanceId?: string;
  /** Wall clock for the loop (periods, leases); tests call {@link JobScheduler.runDue} with a fixed `now`. */
  clock?: () => Date;
  /** Told about every run this collector made (metrics). */
  onRun?: (result: JobRunResult) => void;
}

/** Runs each job once per period across all collectors on one database. */
export interface JobScheduler {
  readonly instanceId: string;
  /** Claims the period containing `now` and, when won, runs the job and records the outcome. */
  runJob(job: Job, now: Date, options?: { signal?: AbortSignal }): Promise<JobRunResult>;
  /** {@link runJob} for every job, one after the other. */
  runDue(now: Date, options?: { signal?: AbortSignal }): Promise<JobRunResult[]>;
  /** Runs every job on its own loop until `signal` aborts; resolves once all loops have stopped. */
  run(signal: AbortSignal): Promise<void>;
}

// Even a daily job looks again this often, so that a stepped clock never leaves it asleep for a day.
const MAX_SLEEP_MS = 15 * 60_000;
// Collectors wake at a period's start together; a little spread keeps them off each other's claim.
const MAX_SPREAD_MS = 1_000;

/**
 * The job runner. Coordination lives in the JobRun table (see job-run-store.ts): a period is
 * claimed by inserting its row, so any number of collectors may run the same job list and each
 * period runs once (plus retries after a failure). On PGlite there is one process by construction
 * (the data directory is locked), and the same code simply always wins its claims.
 */
export function createJobScheduler(options: JobSchedulerOptions): JobScheduler {
  const { db, jobs, log } = options;
  const clock = options.clock ?? (() => new Date());
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const names = new Set<string>();
  for (const job of jobs) {
    if (names.has(job.name)) throw new Error(`duplicate job name: ${job.name}`);
    names.add(job.name);
  }
  // Periods known to be done, so that idle ticks cost no query.
  const settled = new Map<string, number>();

  const report = (result: JobRunResult) => {
    if (result.outcome !== 'skipped') options.onRun?.(result);
    return result;
  };

  async function runJob(job: Job, now: Date, runOptions: { signal?: AbortSignal } = {}) {
    const periodStart = periodStartOf(now, job.periodMs);
    const base = { job: job.name, periodStart };
    if (settled.get(job.name) === periodStart.getTime()) {
      return { ...base, outcome: 'skipped', reason: 'settled' } satisfies JobRunResult;
    }
    const attempt = await claimPeriod(db, { job, periodStart, now, instanceId });
    if (attempt === undefined) {
      const done = await isPeriodSettled(db, job, periodStart);
      if (done) settled.set(job.name, periodStart.getTime());
      log.debug(
        { job: job.name, periodStart: periodStart.toISOString(), reason: done ? 'settled' : 'busy' },
        'job period skipped',
      );
      return { ...base, outcome: 'skipped', reason: done ? 'settled' : 'busy' } satisfies JobRunResult;
    }

    const timeout = AbortSignal.timeout(job.timeoutMs);
    const signal = runOptions.signal ? AbortSignal.any([runOptions.signal, timeout]) : timeout;
    const jobLog = log.child({ job: job.name, periodStart: periodStart.toISOString(), attempt });
    const started = performance.now();
    let summary: JobSummary | undefined;
    let error: string | undefined;
    try {
      summary = await job.run(now, signal);
    } catch (thrown) {
      error = timeout.aborted ? `timed out after ${job.timeoutMs} ms` : errorMessage(thrown);
    }
    const durationMs = performance.now() - started;
    const recorded = await finishRun(db, {
      name: job.name,
      periodStart,
      instanceId,
      attempt,
      finishedAt: new Date(now.getTime() + durationMs),
      durationMs,
      summary,
      error,
    });
    if (!recorded) jobLog.warn('job run outlived its lease; another collector took the period over');
    if (error === undefined || attempt >= job.maxAttempts) settled.set(job.name, periodStart.getTime());
    if (error === undefined) {
      jobLog.info({ durationMs: Math.round(durationMs), summary }, 'job succeeded');
      return report({ ...base, outcome: 'succeeded', attempt, durationMs, summary: summary ?? {} });
    }
    jobLog.error({ durationMs: Math.round(durationMs), err: error }, 'job failed');
    return report({ ...base, outcome: 'failed', attempt, durationMs, error });
  }

  async function runDue(now: Date, runOptions: { signal?: AbortSignal } = {}) {
    const results: JobRunResult[] = [];
    for (const job of jobs) results.push(await runJob(job, now, runOptions));
    return results;
  }

  function delayAfter(job: Job, result: JobRunResult): number {
    const untilNextPeriod = Math.max(0, result.periodStart.getTime() + job.periodMs - clock().getTime());
    const spread = Math.random() * Math.min(MAX_SPREAD_MS, job.periodMs / 10);
    const done = result.outcome === 'succeeded' || result.reason === 'settled';
    const delay = done ? untilNextPeriod + spread : Math.min(untilNextPeriod + spread, job.retryDelayMs);
    return Math.min(Math.round(delay), MAX_SLEEP_MS);
  }

  async function run(signal: AbortSignal) {
    log.info({ instanceId, jobs: jobs.map((j) => j.name) }, 'job scheduler started');
    await Promise.all(
      jobs.map((job) =>
        runLoop((loopSignal) => runJob(job, clock(), { signal: loopSignal }), {
          signal,
          intervalMs: (result) => delayAfter(job, result as JobRunResult),
          backoffBaseMs: 1_000,
          backoffMaxMs: Math.min(job.retryDelayMs, 60_000),
          onError: (error, attempt) =>
            log.warn({ job: job.name, err: errorMessage(error), attempt }, 'job scheduler tick failed'),
        }),
      ),
    );
    log.info({ instanceId }, 'job scheduler stopped');
  }

  return { instanceId, runJob, runDue, run };
}
