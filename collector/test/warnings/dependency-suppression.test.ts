import type { Sample, WarningPage } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { runReminders } from '../../src/warnings/reminders.ts';
import { engineDb } from '../../src/warnings/tables.ts';
import type { TestApp } from '../support/test-app.ts';
import { testBackends } from '../support/test-database.ts';
import { startWarningApp, statusSample, type WarningApp } from './warning-app.ts';

// A down dependency holds its dependents' warnings: samples go in through the agent API, so ingest, the
// current status and the warning engine all take part, as in production.

describe.each(testBackends())('warnings of dependents while a dependency is down, on %s', (backend) => {
  let stack: WarningApp;
  let database: DatabaseHandle;
  let t: TestApp;
  let seq = 0;
  let clock = Date.now() - 600_000;

  beforeAll(async () => {
    stack = await startWarningApp(backend);
    ({ database, app: t } = stack);
    // Every change queues one message per channel: the outbox tells who would have been told.
    const res = await t.admin('POST', '/api/v1/notification-channels', {
      name: 'ops',
      kind: 'webhook',
      url: 'http://127.0.0.1:9/hook',
    });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** One sample a second after the previous one, whatever the monitor. */
  function sample(monitorId: number, status: Sample['status']): Sample {
    clock += 1000;
    return statusSample(monitorId, status, new Date(clock), ++seq);
  }

  const post = (token: string, samples: Sample[]) => stack.post(token, samples);

  const warningOf = (monitorId: number) =>
    engineDb(database.db)
      .selectFrom('OpsWarning')
      .selectAll()
      .where('processMonitorId', '=', monitorId)
      .orderBy('id', 'desc')
      .executeTakeFirst();
  const notified = async (monitorId: number) =>
    (
      await engineDb(database.db)
        .selectFrom('NotificationDelivery as d')
        .innerJoin('OpsWarning as w', 'w.id', 'd.opsWarningId')
        .select('d.event')
        .where('w.processMonitorId', '=', monitorId)
        .orderBy('d.id')
        .execute()
    ).map((r) => r.event);

  it('holds the dependents of a crashed feed, on other hosts too, and tells only of the feed', async () => {
    const feedHost = await t.createHost();
    const traderHost = await t.createHost();
    const feed = await t.createMonitor(feedHost.id, { name: 'md-feed' });
    const traders = [
      await t.createMonitor(traderHost.id, { name: 'trader-a', depends_on: [feed.id] }),
      await t.createMonitor(traderHost.id, { name: 'trader-b', depends_on: [feed.id] }),
    ];
    await post(feedHost.agent_token, [sample(feed.id, 'RUNNING')]);
    await post(
      traderHost.agent_token,
      traders.map((m) => sample(m.id, 'RUNNING')),
    );

    await post(feedHost.agent_token, [sample(feed.id, 'NOT_FOUND')]);
    await post(
      traderHost.agent_token,
      traders.map((m) => sample(m.id, 'NOT_FOUND')),
    );

    expect(await warningOf(feed.id)).toMatchObject({ type: 'PROCESS_CRASHED', suppressed_by: null });
    expect(await notified(feed.id)).toEqual(['opened']);
    for (const trader of traders) {
      const warning = await warningOf(trader.id);
      expect(warning).toMatchObject({ type: 'PROCESS_CRASHED', status: 'OPEN', suppressed_by: feed.id });
      expect(warning?.message).toContain(`Caused by its dependency md-feed on ${feedHost.name}`);
      expect(warning?.details).toMatchObject({ caused_by: { id: feed.id, name: 'md-feed' } });
      expect(await notified(trader.id)).toEqual([]);
    }

    // The API shows who is held and by what.
    const page = (await (
      await t.admin('GET', `/api/v1/warnings?hostServerId=${traderHost.id}&suppressed=true`)
    ).json()) as WarningPage;
    expect(page.items.map((w) => [w.monitor_name, w.suppressed_by, w.suppressed_by_name]).sort()).toEqual([
      ['trader-a', feed.id, 'md-feed'],
      ['trader-b', feed.id, 'md-feed'],
    ]);
    const free = (await (
      await t.admin('GET', `/api/v1/warnings?hostServerId=${traderHost.id}&suppressed=false`)
    ).json()) as WarningPage;
    expect(free.items).toEqual([]);
    expect((await t.admin('GET', '/api/v1/warnings?suppressed=maybe')).status).toBe(400);

    // Held warnings are not reminded of either.
    const reminders = await runReminders(
      engineDb(database.db),
      { reminderIntervalSeconds: 1, reminderMax: 3 },
      new Date(Date.now() + 3_600_000),
    );
    expect(reminders.reminded).toBe(1);
    expect(await notified(feed.id)).toEqual(['opened', 'reminder']);
    for (const trader of traders) expect(await notified(trader.id)).toEqual([]);

    // The feed comes back (two samples resolve it), trader-a with it; trader-b stays down.
    await post(feedHost.agent_token, [sample(feed.id, 'RUNNING'), sample(feed.id, 'RUNNING')]);
    await post(traderHost.agent_token, [
      sample(traders[0]!.id, 'RUNNING'),
      sample(traders[0]!.id, 'RUNNING'),
    ]);
    expect(await warningOf(feed.id)).toMatchObject({ status: 'RESOLVED' });
    expect(await notified(feed.id)).toEqual(['opened', 'reminder', 'resolved']);
    // Never announced, so its end is not either.
    expect(await warningOf(traders[0]!.id)).toMatchObject({ status: 'RESOLVED', suppressed_by: feed.id });
    expect(await notified(traders[0]!.id)).toEqual([]);

    // trader-b's next sample finds it still down with nothing to blame: it is released and announced now.
    await post(traderHost.agent_token, [sample(traders[1]!.id, 'NOT_FOUND')]);
    const released = await warningOf(traders[1]!.id);
    expect(released).toMatchObject({ status: 'OPEN', suppressed_by: null });
    expect(released?.message).toContain('Its dependencies are up again and this is not: notified now.');
    expect(await notified(traders[1]!.id)).toEqual(['opened']);
  });

  it('counts a dependency that goes down in the same batch as its dependent', async () => {
    const host = await t.createHost();
    const gateway = await t.createMonitor(host.id, { name: 'gateway' });
    const trader = await t.createMonitor(host.id, { name: 'trader', depends_on: [gateway.id] });
    await post(host.agent_token, [sample(gateway.id, 'RUNNING'), sample(trader.id, 'RUNNING')]);
    // The dependent's sample comes first in the batch, as a liveness tick may order them.
    await post(host.agent_token, [sample(trader.id, 'NOT_FOUND'), sample(gateway.id, 'NOT_FOUND')]);
    expect(await warningOf(trader.id)).toMatchObject({ suppressed_by: gateway.id });
    expect(await notified(trader.id)).toEqual([]);
    expect(await notified(gateway.id)).toEqual(['opened']);
  });

  it('names the root of a chain of down dependencies, and only a down dependency passes trouble on', async () => {
    const host = await t.createHost();
    const feed = await t.createMonitor(host.id, { name: 'feed' });
    const bridge = await t.createMonitor(host.id, { name: 'bridge', depends_on: [feed.id] });
    const trader = await t.createMonitor(host.id, { name: 'trader', depends_on: [bridge.id] });
    const all = [feed, bridge, trader];
    await post(
      host.agent_token,
      all.map((m) => sample(m.id, 'RUNNING')),
    );
    await post(
      host.agent_token,
      all.map((m) => sample(m.id, 'NOT_FOUND')),
    );
    expect(await warningOf(bridge.id)).toMatchObject({ suppressed_by: feed.id });
    const warning = await warningOf(trader.id);
    expect(warning).toMatchObject({ suppressed_by: feed.id });
    expect(warning?.details).toMatchObject({ caused_by: { id: feed.id, direct_id: bridge.id } });
    expect(warning?.message).toContain('Caused by its dependency feed');
    expect(warning?.message).toContain('(through bridge)');
    expect(await notified(feed.id)).toEqual(['opened']);
    expect(await notified(bridge.id)).toEqual([]);
    expect(await notified(trader.id)).toEqual([]);

    // With only the feed down and the bridge up, a trader crash is the trader's own.
    const host2 = await t.createHost();
    const feed2 = await t.createMonitor(host2.id, { name: 'feed2' });
    const bridge2 = await t.createMonitor(host2.id, { name: 'bridge2', depends_on: [feed2.id] });
    const trader2 = await t.createMonitor(host2.id, { name: 'trader2', depends_on: [bridge2.id] });
    await post(
      host2.agent_token,
      [feed2, bridge2, trader2].map((m) => sample(m.id, 'RUNNING')),
    );
    await post(host2.agent_token, [sample(feed2.id, 'NOT_FOUND'), sample(trader2.id, 'NOT_FOUND')]);
    expect(await warningOf(trader2.id)).toMatchObject({ type: 'PROCESS_CRASHED', suppressed_by: null });
    expect(await notified(trader2.id)).toEqual(['opened']);
  });

  it('leaves a warning announced before its dependency went down as it is, and never holds a failed check', async () => {
    const host = await t.createHost();
    const feed = await t.createMonitor(host.id, { name: 'feed' });
    const trader = await t.createMonitor(host.id, { name: 'trader', depends_on: [feed.id] });
    await post(host.agent_token, [sample(feed.id, 'RUNNING'), sample(trader.id, 'RUNNING')]);
    await post(host.agent_token, [sample(trader.id, 'NOT_FOUND')]);
    await post(host.agent_token, [sample(feed.id, 'NOT_FOUND'), sample(trader.id, 'NOT_FOUND')]);
    expect(await warningOf(trader.id)).toMatchObject({ type: 'PROCESS_CRASHED', suppressed_by: null });
    expect(await notified(trader.id)).toEqual(['opened']);

    await post(host.agent_token, [sample(trader.id, 'ERROR')]);
    const failed = await engineDb(database.db)
      .selectFrom('OpsWarning')
      .selectAll()
      .where('dedup_key', '=', `monitor:${trader.id}:PROCESS_CHECK_FAILED`)
      .executeTakeFirstOrThrow();
    expect(failed.suppressed_by).toBeNull();
  });

  it("stores the agent's deferred restart of a dependent as an event and notes it on the held warning", async () => {
    const host = await t.createHost();
    const feed = await t.createMonitor(host.id, { name: 'feed' });
    const trader = await t.createMonitor(host.id, {
      name: 'trader',
      depends_on: [feed.id],
      restart_action: 'tr',
    });
    await post(host.agent_token, [sample(feed.id, 'RUNNING'), sample(trader.id, 'RUNNING')]);
    const message = `waiting for its dependency "feed" (#${feed.id}) to be up before restarting`;
    await post(host.agent_token, [sample(feed.id, 'NOT_FOUND'), sample(trader.id, 'NOT_FOUND')]);
    // The agent's events ride on the monitor's next sample.
    const down = sample(trader.id, 'NOT_FOUND');
    await post(host.agent_token, [
      {
        ...down,
        restart_events: [
          {
            event_id: crypto.randomUUID(),
            kind: 'RESTART_DEFERRED',
            action: 'tr',
            attempt: 0,
            at: down.checked_at,
            duration_ms: null,
            message,
          },
        ],
      },
    ]);
    const events = (await (await t.admin('GET', `/api/v1/monitors/${trader.id}/events`)).json()) as {
      items: { kind: string; message: string }[];
    };
    expect(events.items).toMatchObject([{ kind: 'RESTART_DEFERRED', message }]);
    const warning = await warningOf(trader.id);
    expect(warning).toMatchObject({ type: 'PROCESS_CRASHED', suppressed_by: feed.id });
    expect(warning?.message).toContain(`Not restarted yet: ${message}`);
    expect(await notified(trader.id)).toEqual([]);
  });

  it('does not blame an inactive dependency', async () => {
    const host = await t.createHost();
    const feed = await t.createMonitor(host.id, { name: 'feed' });
    const trader = await t.createMonitor(host.id, { name: 'trader', depends_on: [feed.id] });
    await post(host.agent_token, [sample(feed.id, 'NOT_FOUND'), sample(trader.id, 'RUNNING')]);
    expect((await t.admin('PATCH', `/api/v1/monitors/${feed.id}`, { active: false })).status).toBe(200);
    await post(host.agent_token, [sample(trader.id, 'NOT_FOUND')]);
    expect(await warningOf(trader.id)).toMatchObject({ suppressed_by: null });
  });
});
