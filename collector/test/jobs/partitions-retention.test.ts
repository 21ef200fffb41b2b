import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.ts';
import {
  listStatusPartitions,
  listStatusPartitionTables,
  partitionDaysAround,
  partitionName,
} from '../../src/db/partitions.ts';
import { SampleStore } from '../../src/ingest/store-samples.ts';
import { deleteInBatches } from '../../src/jobs/delete-in-batches.ts';
import { createJobScheduler } from '../../src/jobs/job-scheduler.ts';
import { createPartitionJob, runPartitionMaintenance } from '../../src/jobs/partition-job.ts';
import { createRetentionJob, runRetention } from '../../src/jobs/retention-job.ts';
import { planRetention } from '../../src/jobs/retention-plan.ts';
import { createLogger } from '../../src/logger.ts';
import { openTestDatabase, testBackends } from '../support/test-database.ts';
import { createMonitor } from '../warnings/fixtures.ts';

const log = createLogger('silent');
const DAY_MS = 86_400_000;

describe('planRetention', () => {
  const names = ['ProcessStatus_p20300101', 'ProcessStatus_p20300102', 'ProcessStatus_p20300103', 'other'];

  it('drops the days wholly before now - N days and keeps the one holding the cutoff', () => {
    // Cutoff 2030-01-03T12:00Z: the 1st and 2nd ended before it; the 3rd holds it.
    const plan = planRetention(names, new Date('2030-01-05T12:00:00Z'), 2);
    expect(plan.cutoff.toISOString()).toBe('2030-01-03T12:00:00.000Z');
    expect(plan.drop).toEqual(['ProcessStatus_p20300101', 'ProcessStatus_p20300102']);
    expect(plan.keep).toEqual(['ProcessStatus_p20300103', 'other']);
  });

  it('drops a day exactly when its end reaches the cutoff', () => {
    expect(planRetention(names, new Date('2030-01-04T00:00:00Z'), 2).drop).toEqual([
      'ProcessStatus_p20300101',
    ]);
    expect(planRetention(names, new Date('2030-01-03T23:59:59.999Z'), 2).drop).toEqual([]);
    expect(() => planRetention(names, new Date(), 0)).toThrow(/positive/);
  });
});

describe.each(testBackends())('partitions and retention on %s', (backend) => {
  let database: DatabaseHandle;
  let monitorId: number;
  let hostServerId: number;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const host = await database.db
      .insertInto('HostServer')
      .values({ name: 'trade-01', address: '10.0.0.1' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const monitor = await database.db
      .insertInto('ProcessMonitor')
      .values({ name: 'trader', process_type: 'TRADER', hostServerId: host.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    monitorId = monitor.id;
    hostServerId = host.id;
  });
  afterAll(() => database?.close());

  async function insertSample(checkedAt: Date) {
    await database.db
      .insertInto('ProcessStatus')
      .values({
        processMonitorId: monitorId,
        status: 'RUNNING',
        pid: 4242,
        cpu_percent: null,
        memory_percent: null,
        memory_used_mb: null,
        uptime_seconds: null,
        start_time: null,
        trade_day: checkedAt.toISOString().slice(0, 10),
        checked_at: checkedAt,
        check_duration_ms: null,
        error_message: null,
        sample_id: randomUUID(),
        source: 'AGENT',
        seq: null,
        process_count: 1,
        matches: null,
      })
      .execute();
  }

  async function countBetween(from: Date, to: Date): Promise<number> {
    const row = await database.db
      .selectFrom('ProcessStatus')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('checked_at', '>=', from)
      .where('checked_at', '<', to)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  // The side tables of samples, written as ingest writes them (raw SQL: they are not in the Kysely schema).
  async function insertSideRows(processMonitorId: number, at: Date) {
    const sampleId = randomUUID();
    await sql`INSERT INTO "ProcessEvent" (event_id, "processMonitorId", kind, at, sample_id)
      VALUES (${randomUUID()}, ${processMonitorId}, 'RESTARTED', ${at}, ${sampleId})`.execute(database.db);
    await sql`INSERT INTO "ProcessProbeResult" (sample_id, "processMonitorId", checked_at, ok,
        consecutive_failures, threshold)
      VALUES (${sampleId}, ${processMonitorId}, ${at}, false, 1, 3)`.execute(database.db);
    await sql`INSERT INTO "ProcessLogTail" (sample_id, "processMonitorId", checked_at, path, text, truncated)
      VALUES (${sampleId}, ${processMonitorId}, ${at}, '/var/log/trader.log', 'boom', false)`.execute(
      database.db,
    );
  }

  /** The instants (ms) left in each side table for one monitor, oldest first. */
  async function sideRowsOf(processMonitorId: number) {
    const times = async (table: string, column: string) => {
      const { rows } = await sql<{ t: Date }>`
        SELECT ${sql.ref(column)} AS t FROM ${sql.table(table)}
        WHERE "processMonitorId" = ${processMonitorId} ORDER BY 1`.execute(database.db);
      return rows.map((r) => new Date(r.t).getTime());
    };
    return {
      events: await times('ProcessEvent', 'at'),
      probeResults: await times('ProcessProbeResult', 'checked_at'),
      logTails: await times('ProcessLogTail', 'checked_at'),
    };
  }

  it('creates the partitions from today-2 to today+7 ahead, each with the seed indexes', async () => {
    const now = new Date('2031-02-27T22:30:00Z');
    const summary = await runPartitionMaintenance(database.db, now);
    const expected = partitionDaysAround(now, 2, 7).map(partitionName);
    expect(expected[0]).toBe('ProcessStatus_p20310225');
    expect(expected.at(-1)).toBe('ProcessStatus_p20310306');
    expect(summary.created).toEqual(expected);
    expect(await listStatusPartitions(database.db)).toEqual(expect.arrayContaining(expected));
    // The next hour (and any other collector) finds nothing to do.
    expect((await runPartitionMaintenance(database.db, new Date(now.getTime() + 3_600_000))).created).toEqual(
      [],
    );
    // Midnight passes: exactly one more day appears ahead.
    expect((await runPartitionMaintenance(database.db, new Date('2031-02-28T00:10:00Z'))).created).toEqual([
      'ProcessStatus_p20310307',
    ]);

    const indexes = await sql<{ indexdef: string }>`
      SELECT indexdef FROM pg_indexes WHERE tablename = 'ProcessStatus_p20310307'`.execute(database.db);
    const defs = indexes.rows.map((r) => r.indexdef.replace(/"?ProcessStatus_p20310307[^ ]*"? /, 'X '));
    expect(defs).toHaveLength(5);
    expect(defs.join('\n')).toMatch(/UNIQUE INDEX .* \(id, checked_at\)/);
    expect(defs.join('\n')).toMatch(/UNIQUE INDEX .* \(sample_id, checked_at\)/);
    expect(defs.join('\n')).toMatch(/\("processMonitorId", checked_at DESC\)/);
    expect(defs.join('\n')).toMatch(/\(checked_at DESC\)/);
    expect(defs.join('\n')).toMatch(/\(trade_day, checked_at DESC\)/);
  });

  it('runs as a scheduled job with a fixed clock', async () => {
    const job = createPartitionJob({ db: database.db, log });
    const scheduler = createJobScheduler({ db: database.db, jobs: [job], log });
    const [result] = await scheduler.runDue(new Date('2032-07-01T03:00:00Z'));
    expect(result).toMatchObject({ outcome: 'succeeded' });
    expect(result?.summary?.created).toHaveLength(10);
    expect((await scheduler.runDue(new Date('2032-07-01T03:59:00Z')))[0]?.outcome).toBe('skipped');
  });

  it('never loses a sample for a day that has no partition yet', async () => {
    const far = new Date('2033-11-05T08:00:00Z');
    expect(await listStatusPartitions(database.db)).not.toContain('ProcessStatus_p20331105');
    // Without a partition PostgreSQL refuses the row (no DEFAULT partition, by design) …
    await expect(insertSample(far)).rejects.toThrow(/no partition/);
    // … so the ingest path (the one SampleStore, agents and SSH alike) makes the day's partition first.
    const store = new SampleStore({
      db: database.db,
      logger: log,
      clock: () => far,
      hooks: {},
      retentionDays: 30,
    });
    const sample = {
      sample_id: randomUUID(),
      seq: 1,
      processMonitorId: monitorId,
      status: 'RUNNING' as const,
      pid: 4242,
      cpu_percent: 1,
      memory_percent: 1,
      memory_used_mb: 10,
      uptime_seconds: 60,
      start_time: new Date(far.getTime() - 60_000).toISOString(),
      trade_day: '20331105',
      checked_at: far.toISOString(),
      check_duration_ms: 1,
      error_message: null,
      process_count: 1,
    };
    const result = await store.store([sample], { hostServerId, source: 'AGENT' });
    expect(result).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await listStatusPartitions(database.db)).toContain('ProcessStatus_p20331105');
    expect(await countBetween(far, new Date(far.getTime() + 1))).toBe(1);

    // Retention (maybe on another collector) drops that day while this store still remembers it:
    // the store notices the missing partition, makes it again, and the next sample is kept.
    await runRetention(database.db, new Date(far.getTime() + 40 * DAY_MS), {
      statusDays: 30,
      warningDays: 365,
    });
    expect(await listStatusPartitions(database.db)).not.toContain('ProcessStatus_p20331105');
    const later = {
      ...sample,
      sample_id: randomUUID(),
      seq: 2,
      checked_at: new Date(far.getTime() + 1000).toISOString(),
    };
    expect(await store.store([later], { hostServerId, source: 'AGENT' })).toMatchObject({ accepted: 1 });
    expect(await countBetween(far, new Date(far.getTime() + DAY_MS))).toBe(1);
  });

  it('drops whole day partitions past retention and keeps the rest', async () => {
    // A fixed "now" 40 days after a week of history on 2034-01-01..07.
    const start = new Date('2034-01-01T00:00:00Z');
    await runPartitionMaintenance(database.db, new Date(start.getTime() + 3 * DAY_MS), 3, 3);
    for (let d = 0; d < 7; d += 1) {
      for (let h = 0; h < 24; h += 6)
        await insertSample(new Date(start.getTime() + d * DAY_MS + h * 3_600_000));
    }
    await sql`ANALYZE "ProcessStatus"`.execute(database.db);
    const now = new Date('2034-02-05T12:00:00Z'); // cutoff with 32 days: 2034-01-04T12:00Z
    const summary = await runRetention(database.db, now, { statusDays: 32, warningDays: 365 }, { log });
    expect(summary.statusCutoff).toBe('2034-01-04T12:00:00.000Z');
    const dropped = summary.droppedPartitions
      .map((p) => p.name)
      .filter((n) => n.startsWith('ProcessStatus_p2034'));
    expect(dropped).toEqual([
      'ProcessStatus_p20340101',
      'ProcessStatus_p20340102',
      'ProcessStatus_p20340103',
    ]);
    const remaining = await listStatusPartitions(database.db);
    for (const name of dropped) expect(remaining).not.toContain(name);
    expect(remaining).toContain('ProcessStatus_p20340104');
    expect(await countBetween(start, new Date(start.getTime() + 3 * DAY_MS))).toBe(0);
    expect(
      await countBetween(new Date(start.getTime() + 3 * DAY_MS), new Date(start.getTime() + 7 * DAY_MS)),
    ).toBe(16);
    // Partitions of the test template (around the real today) are older than 2034: gone too.
    expect(remaining.every((n) => n >= 'ProcessStatus_p20340104')).toBe(true);
  });

  it('finishes a retention run that crashed between detach and drop', async () => {
    await runPartitionMaintenance(database.db, new Date('2035-03-10T00:00:00Z'), 0, 0);
    await sql`ALTER TABLE "ProcessStatus" DETACH PARTITION "ProcessStatus_p20350310"`.execute(database.db);
    const orphan = (await listStatusPartitionTables(database.db)).find(
      (t) => t.name === 'ProcessStatus_p20350310',
    );
    expect(orphan).toMatchObject({ attached: false, detachPending: false });
    const summary = await runRetention(
      database.db,
      new Date('2035-04-20T00:00:00Z'),
      { statusDays: 30, warningDays: 365 },
      { log },
    );
    expect(summary.droppedPartitions.map((p) => p.name)).toContain('ProcessStatus_p20350310');
    expect((await listStatusPartitionTables(database.db)).map((t) => t.name)).not.toContain(
      'ProcessStatus_p20350310',
    );
  });

  it('deletes warnings resolved longer ago than their retention, in batches, and nothing else', async () => {
    const now = new Date('2036-06-01T00:00:00Z');
    const old = new Date(now.getTime() - 400 * DAY_MS);
    const recent = new Date(now.getTime() - 10 * DAY_MS);
    const warning = (i: number, status: 'OPEN' | 'RESOLVED', resolvedAt: Date | null) => ({
      type: 'PROCESS_CRASHED' as const,
      status,
      dedup_key: `retention-test:${i}`,
      title: 'crashed',
      message: 'crashed',
      details: null,
      first_seen_at: old,
      last_seen_at: old,
      resolved_at: resolvedAt,
    });
    await database.db
      .insertInto('OpsWarning')
      .values([
        ...Array.from({ length: 25 }, (_, i) => warning(i, 'RESOLVED', old)),
        warning(100, 'RESOLVED', recent),
        warning(101, 'OPEN', null),
      ])
      .execute();
    const job = createRetentionJob({
      db: database.db,
      log,
      statusDays: 30,
      warningDays: 365,
      batchSize: 10,
    });
    const scheduler = createJobScheduler({ db: database.db, jobs: [job], log });
    const [result] = await scheduler.runDue(now);
    expect(result).toMatchObject({ outcome: 'succeeded' });
    expect(result?.summary?.warningsDeleted).toBe(25);
    const left = await database.db
      .selectFrom('OpsWarning')
      .select('dedup_key')
      .where('dedup_key', 'like', 'retention-test:%')
      .orderBy('dedup_key')
      .execute();
    expect(left.map((r) => r.dedup_key)).toEqual(['retention-test:100', 'retention-test:101']);
  });

  it('has an index on the time column of each side table, for retention to delete by', async () => {
    const { rows } = await sql<{ indexdef: string }>`
      SELECT indexdef FROM pg_indexes
      WHERE tablename IN ('ProcessEvent', 'ProcessProbeResult', 'ProcessLogTail')`.execute(database.db);
    const defs = rows.map((r) => r.indexdef);
    expect(defs).toContainEqual(expect.stringMatching(/ON public\."ProcessEvent" USING btree \(at\)$/));
    expect(defs).toContainEqual(
      expect.stringMatching(/ON public\."ProcessProbeResult" USING btree \(checked_at\)$/),
    );
    expect(defs).toContainEqual(
      expect.stringMatching(/ON public\."ProcessLogTail" USING btree \(checked_at\)$/),
    );
  });

  it('deletes restart events, probe results and log tails older than the history cutoff, and keeps the rest', async () => {
    const now = new Date('2040-03-01T12:00:00Z');
    const cutoff = new Date(now.getTime() - 30 * DAY_MS); // 2040-01-31T12:00Z
    const monitor = await createMonitor(database.db, hostServerId);
    const old = [new Date(cutoff.getTime() - 20 * DAY_MS), new Date(cutoff.getTime() - 1)];
    // The row exactly at the cutoff is not older than it; nor is a sample of the same day after it.
    const kept = [cutoff, new Date(cutoff.getTime() + 3_600_000), new Date(now.getTime() - 60_000)];
    for (const at of [...old, ...kept]) await insertSideRows(monitor, at);

    const summary = await runRetention(database.db, now, { statusDays: 30, warningDays: 365 }, { log });
    expect(summary.statusCutoff).toBe(cutoff.toISOString());
    expect(summary).toMatchObject({ eventsDeleted: 2, probeResultsDeleted: 2, logTailsDeleted: 2 });
    const keptMs = kept.map((d) => d.getTime());
    expect(await sideRowsOf(monitor)).toEqual({ events: keptMs, probeResults: keptMs, logTails: keptMs });

    // An hour later the row at the old cutoff has passed it; the next one is now exactly at the cutoff.
    const again = await runRetention(database.db, new Date(now.getTime() + 3_600_000), {
      statusDays: 30,
      warningDays: 365,
    });
    expect(again).toMatchObject({ eventsDeleted: 1, probeResultsDeleted: 1, logTailsDeleted: 1 });
    expect((await sideRowsOf(monitor)).events).toEqual(keptMs.slice(1));
  });

  it('deletes every old side row when there are more than one batch of them', async () => {
    // Earlier than the test above, so that neither run touches the other's rows, in either order.
    const now = new Date('2039-03-01T00:00:00Z');
    const monitor = await createMonitor(database.db, hostServerId);
    const start = new Date('2038-06-01T00:00:00Z');
    for (let i = 0; i < 23; i += 1) await insertSideRows(monitor, new Date(start.getTime() + i * 3_600_000));
    const job = createRetentionJob({ db: database.db, log, statusDays: 30, warningDays: 365, batchSize: 5 });
    const scheduler = createJobScheduler({ db: database.db, jobs: [job], log });
    const [result] = await scheduler.runDue(now);
    expect(result).toMatchObject({ outcome: 'succeeded' });
    expect(result?.summary).toMatchObject({
      eventsDeleted: 23,
      probeResultsDeleted: 23,
      logTailsDeleted: 23,
    });
    expect(await sideRowsOf(monitor)).toEqual({ events: [], probeResults: [], logTails: [] });
  });

  it('stops between batches when aborted, keeping what it already deleted', async () => {
    const monitor = await createMonitor(database.db, hostServerId);
    // Later than every other test's cutoff: no retention run of this file touches these rows.
    const at = new Date('2041-01-01T00:00:00Z');
    for (let i = 0; i < 7; i += 1) await insertSideRows(monitor, new Date(at.getTime() + i * 1000));
    // Abort as the first batch's result comes back: deterministic, no timers.
    const controller = new AbortController();
    const abortingDb = database.db.withPlugin({
      transformQuery: (args) => args.node,
      transformResult: async (args) => {
        controller.abort();
        return args.result;
      },
    });
    await expect(
      deleteInBatches(
        abortingDb,
        {
          table: 'ProcessEvent',
          key: 'id',
          where: sql`"processMonitorId" = ${monitor}`,
          orderBy: 'at',
          batchSize: 3,
        },
        { signal: controller.signal },
      ),
    ).rejects.toThrow(/abort/i);
    const left = await sideRowsOf(monitor);
    // The oldest three went in the one batch that ran.
    expect(left.events).toEqual([3, 4, 5, 6].map((i) => at.getTime() + i * 1000));
  });
});
