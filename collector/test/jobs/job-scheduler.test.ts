import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { defineJob, periodStartOf } from '../../src/jobs/job.ts';
import { listJobRuns } from '../../src/jobs/job-run-store.ts';
import { createJobScheduler, type JobRunResult } from '../../src/jobs/job-scheduler.ts';
import { createLogger } from '../../src/logger.ts';
import { createEmptyPostgresDatabase, openTestDatabase, testBackends } from '../support/test-database.ts';

const log = createLogger('silent');
const HOUR_MS = 3_600_000;
const T0 = new Date('2030-03-04T05:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('job definitions', () => {
  it('validates names and durations and aligns periods to the epoch', () => {
    expect(() => defineJob({ name: 'Bad Name', periodMs: 1000, run: async () => ({}) })).toThrow(/job name/);
    expect(() => defineJob({ name: 'x', periodMs: 0, run: async () => ({}) })).toThrow(/periodMs/);
    const job = defineJob({ name: 'x', periodMs: 86_400_000, run: async () => ({}) });
    expect(job).toMatchObject({ timeoutMs: 600_000, maxAttempts: 3, retryDelayMs: 60_000 });
    expect(periodStartOf(new Date('2030-03-04T23:59:59.999Z'), 86_400_000).toISOString()).toBe(
      '2030-03-04T00:00:00.000Z',
    );
    expect(periodStartOf(new Date('2030-03-04T05:17:00Z'), 15 * 60_000).toISOString()).toBe(
      '2030-03-04T05:15:00.000Z',
    );
  });
});

describe.each(testBackends())('job scheduler on %s', (backend) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(() => database?.close());

  it('runs a job once per period with a fixed clock and records the summary', async () => {
    const seen: string[] = [];
    const job = defineJob({
      name: 'once-per-period',
      periodMs: HOUR_MS,
      async run(now) {
        seen.push(now.toISOString());
        return { ranAt: now.toISOString() };
      },
    });
    const reported: JobRunResult[] = [];
    const scheduler = createJobScheduler({
      db: database.db,
      jobs: [job],
      log,
      onRun: (r) => reported.push(r),
    });

    expect((await scheduler.runDue(at(60_000)))[0]).toMatchObject({ outcome: 'succeeded', attempt: 1 });
    expect((await scheduler.runDue(at(30 * 60_000)))[0]).toMatchObject({
      outcome: 'skipped',
      reason: 'settled',
    });
    expect((await scheduler.runDue(at(HOUR_MS + 1)))[0]).toMatchObject({ outcome: 'succeeded' });
    expect(seen).toEqual([at(60_000).toISOString(), at(HOUR_MS + 1).toISOString()]);
    expect(reported.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded']);

    // A scheduler that knows nothing locally (another collector) also skips: the claim is in the database.
    const other = createJobScheduler({ db: database.db, jobs: [job], log });
    expect((await other.runDue(at(HOUR_MS + 2)))[0]).toMatchObject({ outcome: 'skipped', reason: 'settled' });

    const runs = await listJobRuns(database.db, { name: 'once-per-period' });
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({
      periodStart: at(HOUR_MS),
      state: 'SUCCEEDED',
      attempts: 1,
      claimedBy: scheduler.instanceId,
      summary: { ranAt: at(HOUR_MS + 1).toISOString() },
      error: null,
    });
    expect(runs[0]?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('retries a failed period after the retry delay, up to maxAttempts', async () => {
    let calls = 0;
    const job = defineJob({
      name: 'flaky',
      periodMs: HOUR_MS,
      retryDelayMs: 60_000,
      maxAttempts: 2,
      async run() {
        calls += 1;
        throw new Error(`boom ${calls}`);
      },
    });
    const scheduler = createJobScheduler({ db: database.db, jobs: [job], log });
    expect((await scheduler.runDue(at(0)))[0]).toMatchObject({
      outcome: 'failed',
      error: 'boom 1',
      attempt: 1,
    });
    // Too early for a retry: someone (here: nobody) must wait out the delay.
    expect((await scheduler.runDue(at(30_000)))[0]).toMatchObject({ outcome: 'skipped', reason: 'busy' });
    expect((await scheduler.runDue(at(120_000)))[0]).toMatchObject({ outcome: 'failed', attempt: 2 });
    // Attempts exhausted: the period is settled as failed.
    expect((await scheduler.runDue(at(600_000)))[0]).toMatchObject({ outcome: 'skipped', reason: 'settled' });
    expect(calls).toBe(2);
    const [run] = await listJobRuns(database.db, { name: 'flaky' });
    expect(run).toMatchObject({ state: 'FAILED', attempts: 2, error: 'boom 2' });
  });

  it('lets another collector take over a period whose owner died (lease ran out)', async () => {
    let calls = 0;
    const job = defineJob({
      name: 'abandoned',
      periodMs: HOUR_MS,
      timeoutMs: 60_000,
      async run() {
        calls += 1;
        return {};
      },
    });
    const dead = createJobScheduler({ db: database.db, jobs: [job], log, instanceId: 'dead' });
    const alive = createJobScheduler({ db: database.db, jobs: [job], log, instanceId: 'alive' });
    // The dead collector claimed the period and never finished: simulate by claiming only.
    const { claimPeriod } = await import('../../src/jobs/job-run-store.ts');
    expect(await claimPeriod(database.db, { job, periodStart: at(0), now: at(0), instanceId: 'dead' })).toBe(
      1,
    );
    expect((await alive.runDue(at(60_000)))[0]).toMatchObject({ outcome: 'skipped', reason: 'busy' });
    // Lease = timeout + 30 s grace.
    expect((await alive.runDue(at(91_000)))[0]).toMatchObject({ outcome: 'succeeded', attempt: 2 });
    expect(calls).toBe(1);
    const [run] = await listJobRuns(database.db, { name: 'abandoned' });
    expect(run).toMatchObject({ state: 'SUCCEEDED', claimedBy: 'alive', attempts: 2 });
    expect(dead.instanceId).toBe('dead');
  });

  it('aborts a job at its timeout and records the failure', async () => {
    const job = defineJob({
      name: 'slow',
      periodMs: HOUR_MS,
      timeoutMs: 50,
      run: (_now, signal) =>
        new Promise<Record<string, never>>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        ),
    });
    const scheduler = createJobScheduler({ db: database.db, jobs: [job], log });
    expect((await scheduler.runDue(at(0)))[0]).toMatchObject({
      outcome: 'failed',
      error: 'timed out after 50 ms',
    });
  });

  it('runs its loop on the real clock and stops cleanly on abort', async () => {
    let calls = 0;
    const job = defineJob({
      name: 'ticking',
      periodMs: 200,
      async run() {
        calls += 1;
        return { calls };
      },
    });
    const scheduler = createJobScheduler({ db: database.db, jobs: [job], log });
    const controller = new AbortController();
    const stopped = scheduler.run(controller.signal);
    await waitFor('three periods', async () => (calls >= 3 ? true : undefined));
    controller.abort();
    await stopped;
    const runs = await listJobRuns(database.db, { name: 'ticking', limit: 1000 });
    const periods = runs.map((r) => r.periodStart.getTime());
    expect(new Set(periods).size).toBe(periods.length);
    expect(runs.every((r) => r.state === 'SUCCEEDED')).toBe(true);
  });
});

const withPostgres = testBackends().includes('postgres');

describe.skipIf(!withPostgres)(
  'two schedulers on one PostgreSQL (needs PROCWATCH_TEST_BACKENDS=…,postgres)',
  () => {
    let drop: (() => Promise<void>) | undefined;
    let a: DatabaseHandle;
    let b: DatabaseHandle;
    beforeAll(async () => {
      const scratch = await createEmptyPostgresDatabase();
      drop = scratch.drop;
      a = await createDatabase({ databaseUrl: scratch.url, poolMax: 3 });
      b = await createDatabase({ databaseUrl: scratch.url, poolMax: 3 });
      await migrateToLatest(a.db);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await drop?.();
    });

    it('runs each job once per period however the two race', async () => {
      const runs: { job: string; period: string; by: string }[] = [];
      const makeJobs = (by: string) =>
        ['alpha', 'beta', 'gamma'].map((name) =>
          defineJob({
            name,
            periodMs: HOUR_MS,
            async run(now) {
              runs.push({ job: name, period: periodStartOf(now, HOUR_MS).toISOString(), by });
              await sleep(5);
              return {};
            },
          }),
        );
      const first = createJobScheduler({ db: a.db, jobs: makeJobs('a'), log, instanceId: 'a' });
      const second = createJobScheduler({ db: b.db, jobs: makeJobs('b'), log, instanceId: 'b' });
      const periods = 6;
      for (let p = 0; p < periods; p += 1) {
        // Both collectors tick several times within each period, concurrently.
        const ticks = [0, 1, 2].flatMap((k) => {
          const now = at(p * HOUR_MS + k * 60_000);
          return [first.runDue(now), second.runDue(now)];
        });
        await Promise.all(ticks);
      }
      expect(runs).toHaveLength(3 * periods);
      const keys = runs.map((r) => `${r.job}@${r.period}`);
      expect(new Set(keys).size).toBe(keys.length);
      const stored = await listJobRuns(a.db, { limit: 1000 });
      expect(stored).toHaveLength(3 * periods);
      expect(stored.every((r) => r.state === 'SUCCEEDED' && r.attempts === 1)).toBe(true);
    });
  },
);
