import { compileCalendar } from '@procwatch/shared';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/database.ts';
import { createWarningEngine, type WarningEngine } from '../../src/warnings/engine.ts';
import { runReminders } from '../../src/warnings/reminders.ts';
import { DEFAULT_WARNING_SETTINGS } from '../../src/warnings/settings.ts';
import { engineDb } from '../../src/warnings/tables.ts';
import { testPostgresUrl } from '../support/backends.ts';
import { openTestDatabase, testBackends } from '../support/test-database.ts';
import { createHost, createMonitor, sampleOf, silentLog } from './fixtures.ts';

const calendar = compileCalendar({ holidays: ['2026-10-01', '2026-10-02', '2026-10-05'] });
// Wednesday 2026-03-04, Shanghai time.
const at = (hhmmss: string) => new Date(`2026-03-04T${hhmmss}+08:00`);

describe.each(testBackends())('warning engine on %s', (backend) => {
  let database: DatabaseHandle;
  // After every sample of these tests: a sample from the future would be ignored.
  const clockNow = new Date('2026-03-05T12:00:00+08:00');
  let queued = 0;
  let engine: WarningEngine;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    engine = createWarningEngine({
      db: database.db,
      log: silentLog,
      calendar,
      settings: DEFAULT_WARNING_SETTINGS,
      clock: () => clockNow,
      onNotificationsQueued: () => {
        queued += 1;
      },
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  const warningsOf = (monitorId: number) =>
    database.db
      .selectFrom('OpsWarning')
      .selectAll()
      .where('processMonitorId', '=', monitorId)
      .orderBy('id')
      .execute();

  it('opens one warning per incident, bumps repeats and resolves it when the process is back', async () => {
    const host = await createHost(database.db, { name: 'sh-engine-1' });
    const monitor = await createMonitor(database.db, host, { name: 'trader-a' });
    await engine.evaluateSamples([sampleOf(monitor, 'RUNNING', at('10:00:00'))]);
    const opened = await engine.evaluateSamples([
      sampleOf(monitor, 'NOT_FOUND', at('10:00:05')),
      sampleOf(monitor, 'NOT_FOUND', at('10:00:10')),
    ]);
    expect(opened).toMatchObject({ opened: 1, bumped: 1 });
    let rows = await warningsOf(monitor);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      type: 'PROCESS_CRASHED',
      status: 'OPEN',
      count: 2,
      dedup_key: `monitor:${monitor}:PROCESS_CRASHED`,
      hostServerId: host,
      title: 'trader-a on sh-engine-1: crashed',
    });
    expect(rows[0]?.last_seen_at.toISOString()).toBe(at('10:00:10').toISOString());

    // A late replay changes nothing.
    expect(await engine.evaluateSamples([sampleOf(monitor, 'RUNNING', at('10:00:07'))])).toMatchObject({
      opened: 0,
      bumped: 0,
      resolved: 0,
    });

    await engine.evaluateSamples([
      sampleOf(monitor, 'RUNNING', at('10:00:20')),
      sampleOf(monitor, 'RUNNING', at('10:00:25')),
    ]);
    rows = await warningsOf(monitor);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'RESOLVED', resolve_reason: 'running again' });

    // The next incident is a new warning: the partial index only covers unresolved ones.
    await engine.evaluateSamples([sampleOf(monitor, 'STOPPED', at('10:01:00'))]);
    rows = await warningsOf(monitor);
    expect(rows.map((r) => r.status)).toEqual(['RESOLVED', 'OPEN']);
  });

  it('keeps its memory in ProcessWarningState', async () => {
    const host = await createHost(database.db);
    const monitor = await createMonitor(database.db, host);
    await engine.evaluateSamples([
      sampleOf(monitor, 'RUNNING', at('11:00:00'), { cpu_percent: 99 }),
      sampleOf(monitor, 'RUNNING', at('11:00:01'), { cpu_percent: 99 }),
    ]);
    const state = await engineDb(database.db)
      .selectFrom('ProcessWarningState')
      .selectAll()
      .where('processMonitorId', '=', monitor)
      .executeTakeFirstOrThrow();
    expect(state).toMatchObject({ last_status: 'RUNNING', last_pid: 4242, watching: true, raised: [] });
    expect(state.counters).toMatchObject({ cpuHigh: 2, upStreak: 2 });
    // The third high sample, in a later batch, raises: the count survived between batches.
    await engine.evaluateSamples([sampleOf(monitor, 'RUNNING', at('11:00:02'), { cpu_percent: 99 })]);
    expect((await warningsOf(monitor)).map((w) => w.type)).toEqual(['PROCESS_HIGH_CPU']);
  });

  it('outside its session window a kill raises nothing; when the window opens it does', async () => {
    const host = await createHost(database.db);
    const monitor = await createMonitor(database.db, host, {
      session_windows: ['08:45-15:30', '20:45-02:35'],
    });
    await engine.evaluateSamples([sampleOf(monitor, 'RUNNING', at('16:00:00'))]);
    await engine.evaluateSamples([sampleOf(monitor, 'NOT_FOUND', at('16:00:05'))]);
    await engine.evaluateSamples([sampleOf(monitor, 'NOT_FOUND', at('20:44:00'))]);
    expect(await warningsOf(monitor)).toEqual([]);

    expect(await engine.runScheduleCheck(at('20:44:59'))).toMatchObject({ opened: 0 });
    expect(await warningsOf(monitor)).toEqual([]);
    const opening = await engine.runScheduleCheck(at('20:45:00'));
    expect(opening).toMatchObject({ opened: 1 });
    const rows = await warningsOf(monitor);
    expect(rows).toMatchObject([{ type: 'PROCESS_NOT_RUNNING', status: 'OPEN', count: 1 }]);
    expect(rows[0]?.first_seen_at.toISOString()).toBe(at('20:45:00').toISOString());
    // Running the job again (or on another collector) changes nothing.
    expect(await engine.runScheduleCheck(at('20:45:05'))).toMatchObject({ opened: 0, bumped: 0 });
    // The session ends at 02:35 the next morning: resolved then.
    await engine.runScheduleCheck(new Date('2026-03-05T02:35:00+08:00'));
    expect(await warningsOf(monitor)).toMatchObject([{ status: 'RESOLVED' }]);
  });

  it('a mute suppresses raising until it ends', async () => {
    const host = await createHost(database.db);
    const monitor = await createMonitor(database.db, host);
    await engineDb(database.db)
      .insertInto('WarningMute')
      .values({
        hostServerId: host,
        starts_at: at('12:00:00'),
        muted_until: at('12:30:00'),
        reason: 'upgrade',
      })
      .execute();
    await engine.evaluateSamples([sampleOf(monitor, 'NOT_FOUND', at('12:05:00'))]);
    expect(await warningsOf(monitor)).toEqual([]);
    await engine.runScheduleCheck(at('12:30:00'));
    expect(await warningsOf(monitor)).toMatchObject([{ type: 'PROCESS_NOT_RUNNING', status: 'OPEN' }]);
  });

  it('AGENT_OFFLINE: raised after the timeout, once; resolved when heartbeats return', async () => {
    const host = await createHost(database.db, {
      name: 'sh-offline',
      lastHeartbeatAt: at('09:00:00'),
      timeoutSeconds: 45,
    });
    const hostWarnings = () =>
      database.db
        .selectFrom('OpsWarning')
        .selectAll()
        .where('dedup_key', '=', `host:${host}:AGENT_OFFLINE`)
        .execute();
    expect(await engine.runAgentOfflineCheck(at('09:00:45'), [host])).toMatchObject({ opened: 0 });
    expect(await engine.runAgentOfflineCheck(at('09:00:46'), [host])).toMatchObject({ opened: 1 });
    await engine.runAgentOfflineCheck(at('09:01:30'));
    const rows = await hostWarnings();
    expect(rows).toMatchObject([{ type: 'AGENT_OFFLINE', status: 'OPEN', count: 1, processMonitorId: null }]);
    expect(rows[0]?.title).toBe('sh-offline: agent offline');

    await database.db
      .updateTable('HostServer')
      .set({ last_heartbeat_at: at('09:02:00') })
      .where('id', '=', host)
      .execute();
    expect(await engine.runAgentOfflineCheck(at('09:02:01'), [host])).toMatchObject({ resolved: 1 });
    expect(await hostWarnings()).toMatchObject([{ status: 'RESOLVED' }]);
  });

  it('queues notifications for matching channels in the same transaction, and reminds capped', async () => {
    const db = engineDb(database.db);
    const host = await createHost(database.db);
    const otherHost = await createHost(database.db);
    const monitor = await createMonitor(database.db, host);
    const channel = (name: string, extra: object = {}) =>
      db
        .insertInto('NotificationChannel')
        .values({ name, kind: 'webhook', url: 'http://127.0.0.1:9/hook', ...extra })
        .returning('id')
        .executeTakeFirstOrThrow();
    const all = await channel(`all-${host}`);
    const crashesOnly = await channel(`crashes-${host}`, { types: sql`ARRAY['PROCESS_CRASHED']` });
    const otherHostOnly = await channel(`other-${host}`, { hostServerIds: sql`ARRAY[${otherHost}]::int[]` });
    const resolvedOnly = await channel(`resolved-${host}`, { events: sql`ARRAY['resolved']` });
    const disabled = await channel(`off-${host}`, { enabled: false });

    const before = queued;
    await engine.evaluateSamples([sampleOf(monitor, 'NOT_FOUND', at('13:00:00'))]);
    expect(queued).toBe(before + 1);
    const deliveries = async () =>
      db
        .selectFrom('NotificationDelivery as d')
        .innerJoin('OpsWarning as w', 'w.id', 'd.opsWarningId')
        .select(['d.channelId', 'd.event', 'd.reminder_no', 'd.payload', 'd.status'])
        .where('w.processMonitorId', '=', monitor)
        .orderBy('d.id')
        .execute();
    let rows = await deliveries();
    expect(rows.map((r) => [r.channelId, r.event])).toEqual([[all.id, 'opened']]);
    expect(rows[0]?.payload).toMatchObject({
      event: 'opened',
      warning: { type: 'PROCESS_NOT_RUNNING', status: 'OPEN', monitor: { id: monitor }, host: { id: host } },
    });

    // Reminders: every 10 minutes while OPEN, at most twice.
    const settings = { reminderIntervalSeconds: 600, reminderMax: 2 };
    // The opened notification was queued at the engine's clock: reminders count from there.
    const after = (minutes: number) => new Date(clockNow.getTime() + minutes * 60_000);
    await runReminders(db, settings, after(9.9));
    await runReminders(db, settings, after(10));
    await runReminders(db, settings, after(15));
    await runReminders(db, settings, after(20));
    await runReminders(db, settings, after(40));
    rows = await deliveries();
    expect(rows.map((r) => [r.event, r.reminder_no])).toEqual([
      ['opened', 0],
      ['reminder', 1],
      ['reminder', 2],
    ]);

    await engine.evaluateSamples([
      sampleOf(monitor, 'RUNNING', at('13:50:00')),
      sampleOf(monitor, 'RUNNING', at('13:50:05')),
    ]);
    rows = await deliveries();
    expect(rows.filter((r) => r.event === 'resolved').map((r) => r.channelId)).toEqual([
      all.id,
      resolvedOnly.id,
    ]);
    expect(
      [crashesOnly.id, otherHostOnly.id, disabled.id].some((id) => rows.some((r) => r.channelId === id)),
    ).toBe(false);
  });
});

describe.each(testBackends())('two engines on %s', (backend) => {
  let first: DatabaseHandle;
  let second: DatabaseHandle;

  beforeAll(async () => {
    first = await openTestDatabase(backend);
    if (backend === 'postgres') {
      // A second pool on the same database, as a second collector would have.
      const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(first.db);
      const url = new URL(testPostgresUrl());
      url.pathname = `/${rows[0]?.name}`;
      second = await createDatabase({ databaseUrl: url.toString(), poolMax: 5 });
    } else {
      // PGlite is one connection in one process: the second engine shares it, and it serialises.
      second = first;
    }
  });
  afterAll(async () => {
    if (second !== first) await second?.close();
    await first?.close();
  });

  it('ingesting failing samples of one monitor concurrently creates exactly one open warning', async () => {
    const host = await createHost(first.db);
    const monitor = await createMonitor(first.db, host);
    const options = {
      log: silentLog,
      calendar,
      settings: DEFAULT_WARNING_SETTINGS,
      clock: () => at('15:00:00'),
    };
    const a = createWarningEngine({ ...options, db: first.db });
    const b = createWarningEngine({ ...options, db: second.db });

    // Fresh monitor: both engines see "no state" and a failing sample at once, round after round; some samples
    // reach both collectors (an agent failing over mid-batch) and must be judged once.
    const rounds = 15;
    const base = at('14:00:00').getTime();
    for (const status of ['NOT_FOUND', 'ERROR'] as const) {
      for (let i = 0; i < rounds; i++) {
        const t = (offset: number) => new Date(base + (status === 'ERROR' ? 60_000 : 0) + i * 1000 + offset);
        await Promise.all([
          a.evaluateSamples([sampleOf(monitor, status, t(0))]),
          b.evaluateSamples([sampleOf(monitor, status, t(500))]),
          a.evaluateSamples([sampleOf(monitor, status, t(700))]),
          b.evaluateSamples([sampleOf(monitor, status, t(700))]),
        ]);
      }
    }
    const rows = await first.db
      .selectFrom('OpsWarning')
      .select(['type', 'status', 'count'])
      .where('processMonitorId', '=', monitor)
      .orderBy('type')
      .execute();
    expect(rows.map((r) => [r.type, r.status]).sort()).toEqual([
      ['PROCESS_CHECK_FAILED', 'OPEN'],
      ['PROCESS_NOT_RUNNING', 'OPEN'],
    ]);
    // Each round judges at least its newest sample and at most its three distinct ones; late ones count for nothing.
    for (const row of rows) {
      expect(row.count).toBeGreaterThanOrEqual(rounds);
      expect(row.count).toBeLessThanOrEqual(3 * rounds);
    }
    const states = await engineDb(first.db)
      .selectFrom('ProcessWarningState')
      .select('last_checked_at')
      .where('processMonitorId', '=', monitor)
      .executeTakeFirstOrThrow();
    expect(states.last_checked_at?.toISOString()).toBe(
      new Date(base + 60_000 + (rounds - 1) * 1000 + 700).toISOString(),
    );
  });
});
