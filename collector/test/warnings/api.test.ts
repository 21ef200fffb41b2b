import type { Sample, Warning, WarningPage } from '@procwatch/shared';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/database.ts';
import { DEFAULT_WARNING_SETTINGS } from '../../src/warnings/settings.ts';
import { createWarningService, type WarningService } from '../../src/warnings/warning-service.ts';
import { startReceiver } from '../notify/receiver.ts';
import { testPostgresUrl } from '../support/backends.ts';
import { batchOf, createTestApp, type TestApp } from '../support/test-app.ts';
import { openTestDatabase, testBackends } from '../support/test-database.ts';
import { silentLog, waitFor } from './fixtures.ts';
import { NO_HOLIDAYS, startWarningApp, statusSample, type WarningApp } from './warning-app.ts';

const calendar = NO_HOLIDAYS;
const sample = statusSample;

describe.each(testBackends())('warning API on %s', (backend) => {
  let stack: WarningApp;
  let service: WarningService;
  let t: TestApp;
  let seq = 0;

  beforeAll(async () => {
    stack = await startWarningApp(backend);
    ({ service, app: t } = stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const post = (token: string, samples: Sample[]) => stack.post(token, samples);

  it('lists warnings raised by ingested samples, filters, pages, and acknowledges', async () => {
    const host = await t.createHost();
    const monitors = [
      await t.createMonitor(host.id),
      await t.createMonitor(host.id),
      await t.createMonitor(host.id),
    ];
    const base = Date.now() - 60_000;
    for (const [i, m] of monitors.entries()) {
      await post(host.agent_token, [
        sample(m.id, 'RUNNING', new Date(base + i * 100), ++seq),
        sample(m.id, 'NOT_FOUND', new Date(base + 1000 + i * 100), ++seq),
      ]);
    }
    await post(host.agent_token, [sample(monitors[0]!.id, 'ERROR', new Date(base + 5000), ++seq)]);

    let res = await t.admin('GET', `/api/v1/warnings?hostServerId=${host.id}`);
    expect(res.status).toBe(200);
    const all = (await res.json()) as WarningPage;
    expect(all.items.map((w) => w.type).sort()).toEqual([
      'PROCESS_CHECK_FAILED',
      'PROCESS_CRASHED',
      'PROCESS_CRASHED',
      'PROCESS_CRASHED',
    ]);
    expect(all.items[0]).toMatchObject({
      status: 'OPEN',
      host_name: host.name,
      hostServerId: host.id,
      reminder_count: 0,
    });

    res = await t.admin(
      'GET',
      `/api/v1/warnings?hostServerId=${host.id}&type=PROCESS_CRASHED&status=OPEN,ACKNOWLEDGED`,
    );
    expect(((await res.json()) as WarningPage).items).toHaveLength(3);
    res = await t.admin('GET', `/api/v1/warnings?processMonitorId=${monitors[1]!.id}`);
    expect(((await res.json()) as WarningPage).items.map((w) => w.monitor_name)).toEqual([monitors[1]!.name]);
    res = await t.admin(
      'GET',
      `/api/v1/warnings?hostServerId=${host.id}&since=${new Date(Date.now() + 60_000).toISOString()}`,
    );
    expect(((await res.json()) as WarningPage).items).toEqual([]);

    // Pages of 3 then 1, no overlap, newest first.
    res = await t.admin('GET', `/api/v1/warnings?hostServerId=${host.id}&limit=3`);
    const first = (await res.json()) as WarningPage;
    expect(first.items).toHaveLength(3);
    expect(first.next_cursor).not.toBeNull();
    res = await t.admin(
      'GET',
      `/api/v1/warnings?hostServerId=${host.id}&limit=3&cursor=${first.next_cursor}`,
    );
    const second = (await res.json()) as WarningPage;
    expect(second.items).toHaveLength(1);
    expect(second.next_cursor).toBeNull();
    expect([...first.items, ...second.items].map((w) => w.id).sort()).toEqual(
      all.items.map((w) => w.id).sort(),
    );

    for (const [query, field] of [
      ['status=CLOSED', 'status'],
      ['type=PROCESS_GONE', 'type'],
      ['hostServerId=abc', 'hostServerId'],
      ['since=yesterday', 'since'],
      ['limit=501', 'limit'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['colour=red', '(root)'],
    ] as const) {
      res = await t.admin('GET', `/api/v1/warnings?${query}`);
      expect(res.status, query).toBe(400);
      const problem = (await res.json()) as { errors?: { path: string }[] };
      expect(problem.errors?.map((e) => e.path).join(), query).toContain(field);
    }

    const target = all.items.find((w) => w.type === 'PROCESS_CRASHED')!;
    res = await t.admin('POST', `/api/v1/warnings/${target.id}/ack`, { by: 'alice', note: 'restarting it' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ACKNOWLEDGED',
      acknowledged_by: 'alice',
      ack_note: 'restarting it',
    });
    res = await t.admin('POST', `/api/v1/warnings/${target.id}/ack`, { by: 'bob' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({
      code: 'warning_acknowledged',
      detail: expect.stringContaining('alice'),
    });
    expect((await t.admin('POST', '/api/v1/warnings/999999/ack', { by: 'bob' })).status).toBe(404);
    expect((await t.admin('POST', `/api/v1/warnings/${target.id}/ack`, { note: 'who?' })).status).toBe(400);
    expect((await t.admin('POST', `/api/v1/warnings/${target.id}/ack`, { by: 'bob', extra: 1 })).status).toBe(
      400,
    );
    expect((await t.agent(host.agent_token, 'GET', '/api/v1/warnings')).status).toBe(401);

    // The process comes back: the acknowledged warning resolves by itself; a resolved one cannot be acknowledged.
    const m = target.processMonitorId!;
    await post(host.agent_token, [
      sample(m, 'RUNNING', new Date(base + 10_000), ++seq),
      sample(m, 'RUNNING', new Date(base + 11_000), ++seq),
    ]);
    res = await t.admin('GET', `/api/v1/warnings/${target.id}`);
    expect(await res.json()).toMatchObject({
      status: 'RESOLVED',
      resolve_reason: 'running again',
      acknowledged_by: 'alice',
    });
    res = await t.admin('POST', `/api/v1/warnings/${target.id}/ack`, { by: 'bob' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'warning_resolved' });
  });

  it('manages notification channels without ever returning a secret, and sends test messages', async () => {
    const secrets = {
      webhook: 'whsec-api-0123456789',
      dingtalkToken: 'dt-token-abcdef0123456789',
      dingtalk: 'SECapi0123456789abcdef',
      wecomKey: 'wecom-key-0123456789',
      feishuHook: 'hook-0123456789abcdef',
      feishu: 'feishu-api-secret-01',
      slackPath: 'services/T1/B1/abcdefabcdefabcdefabcdef',
    };
    await using receiver = await startReceiver(secrets);
    const dingUrl = `${receiver.base}/dingtalk/robot/send?access_token=${secrets.dingtalkToken}`;
    let res = await t.admin('POST', '/api/v1/notification-channels', {
      name: 'ops-dingtalk',
      kind: 'dingtalk',
      url: dingUrl,
      secret: secrets.dingtalk,
      types: ['PROCESS_CRASHED', 'AGENT_OFFLINE'],
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const channel = (await res.json()) as Record<string, unknown>;
    const text = JSON.stringify(channel);
    expect(text).not.toContain(secrets.dingtalk);
    expect(text).not.toContain(secrets.dingtalkToken);
    expect(channel).toMatchObject({
      kind: 'dingtalk',
      has_secret: true,
      enabled: true,
      types: ['PROCESS_CRASHED', 'AGENT_OFFLINE'],
      hostServerIds: [],
      events: [],
      url: `${receiver.base}/dingtalk/robot/send?access_token=…6789`,
    });

    res = await t.admin('POST', `/api/v1/notification-channels/${channel.id}/test`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'DELIVERED',
      attempts: [{ attempt: 1, ok: true, status_code: 200, error: null }],
    });
    expect(receiver.messages).toMatchObject([{ kind: 'dingtalk', event: 'test', verified: true }]);

    // A wrong secret: the service refuses, the test says why, and it is not retried.
    res = await t.admin('PATCH', `/api/v1/notification-channels/${channel.id}`, {
      secret: 'SECwrong-secret-0000',
    });
    expect(res.status).toBe(200);
    res = await t.admin('POST', `/api/v1/notification-channels/${channel.id}/test`);
    expect(await res.json()).toMatchObject({
      status: 'FAILED',
      attempts: [{ ok: false, status_code: 200, error: 'errcode 310000: sign not match' }],
    });
    res = await t.admin('GET', `/api/v1/notification-channels/${channel.id}/deliveries`);
    const deliveries = (await res.json()) as { items: { status: string; attempts: unknown[] }[] };
    expect(deliveries.items.map((d) => [d.status, d.attempts.length])).toEqual([
      ['FAILED', 1],
      ['DELIVERED', 1],
    ]);

    res = await t.admin('PATCH', `/api/v1/notification-channels/${channel.id}`, {
      secret: null,
      enabled: false,
    });
    expect(await res.json()).toMatchObject({ has_secret: false, enabled: false });
    expect((await t.admin('GET', '/api/v1/notification-channels')).status).toBe(200);

    for (const [body, status, code] of [
      [{ name: 'ops-dingtalk', kind: 'webhook', url: `${receiver.base}/webhook` }, 409, 'channel_name_taken'],
      [
        { name: 'w', kind: 'wecom', url: `${receiver.base}/wecom`, secret: 'something-secret' },
        400,
        'validation_failed',
      ],
      [{ name: 'x', kind: 'teams', url: `${receiver.base}/x` }, 400, 'validation_failed'],
      [{ name: 'y', kind: 'webhook', url: 'ftp://example.com/hook' }, 400, 'validation_failed'],
      [{ name: 'z', kind: 'webhook', url: 'http://user:pw@example.com/hook' }, 400, 'validation_failed'],
      [
        { name: 'z', kind: 'webhook', url: `${receiver.base}/webhook`, types: ['NOPE'] },
        400,
        'validation_failed',
      ],
    ] as const) {
      res = await t.admin('POST', '/api/v1/notification-channels', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(await res.json()).toMatchObject({ code });
    }
    res = await t.admin('PATCH', `/api/v1/notification-channels/${channel.id}`, {
      kind: 'slack',
      secret: 'now-a-secret',
    });
    expect(res.status).toBe(400);
    expect((await t.admin('DELETE', `/api/v1/notification-channels/${channel.id}`)).status).toBe(204);
    expect((await t.admin('DELETE', `/api/v1/notification-channels/${channel.id}`)).status).toBe(404);
    expect((await t.admin('POST', `/api/v1/notification-channels/${channel.id}/test`)).status).toBe(404);
  });

  it('mutes CRUD', async () => {
    const host = await t.createHost();
    const monitor = await t.createMonitor(host.id);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    let res = await t.admin('POST', '/api/v1/mutes', {
      processMonitorId: monitor.id,
      starts_at: new Date(Date.now() - 60_000).toISOString(),
      muted_until: until,
      reason: 'upgrade',
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const mute = (await res.json()) as { id: number };
    expect(mute).toMatchObject({
      processMonitorId: monitor.id,
      hostServerId: null,
      active: true,
      reason: 'upgrade',
    });

    // While muted, the process going down raises nothing.
    await post(host.agent_token, [sample(monitor.id, 'NOT_FOUND', new Date(Date.now() - 1000), ++seq)]);
    res = await t.admin('GET', `/api/v1/warnings?processMonitorId=${monitor.id}`);
    expect(((await res.json()) as WarningPage).items).toEqual([]);

    res = await t.admin('GET', `/api/v1/mutes?processMonitorId=${monitor.id}`);
    expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(1);
    // An end before the start is refused; an end in the past (ending it early) is fine.
    const beforeStart = new Date(Date.now() - 120_000).toISOString();
    res = await t.admin('PATCH', `/api/v1/mutes/${mute.id}`, { muted_until: beforeStart });
    expect(res.status, await res.clone().text()).toBe(400);
    res = await t.admin('PATCH', `/api/v1/mutes/${mute.id}`, {
      muted_until: new Date(Date.now() + 1000).toISOString(),
    });
    expect(await res.json()).toMatchObject({ active: true });
    // The schedule job raises at once when the mute is over and the process is still down.
    await waitFor(async () => {
      await service.engine.runScheduleCheck(new Date());
      const page = (await (
        await t.admin('GET', `/api/v1/warnings?processMonitorId=${monitor.id}`)
      ).json()) as WarningPage;
      return page.items.some((w: Warning) => w.type === 'PROCESS_NOT_RUNNING' && w.status === 'OPEN');
    });

    for (const [body, code] of [
      [{ processMonitorId: 999_999, muted_until: until }, 'unknown_reference'],
      [{ hostServerId: host.id, processMonitorId: monitor.id, muted_until: until }, 'validation_failed'],
      [{ muted_until: until }, 'validation_failed'],
      [{ hostServerId: host.id, muted_until: 'tomorrow' }, 'validation_failed'],
      [
        { hostServerId: host.id, muted_until: new Date(Date.now() - 60_000).toISOString() },
        'validation_failed',
      ],
    ] as const) {
      res = await t.admin('POST', '/api/v1/mutes', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ code });
    }
    expect((await t.admin('DELETE', `/api/v1/mutes/${mute.id}`)).status).toBe(204);
    expect((await t.admin('GET', `/api/v1/mutes/${mute.id}`)).status).toBe(404);
  });
});

describe.each(testBackends())('two collector apps on %s', (backend) => {
  let first: DatabaseHandle;
  let second: DatabaseHandle;

  beforeAll(async () => {
    first = await openTestDatabase(backend);
    if (backend === 'postgres') {
      const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(first.db);
      const url = new URL(testPostgresUrl());
      url.pathname = `/${rows[0]?.name}`;
      second = await createDatabase({ databaseUrl: url.toString(), poolMax: 5 });
    } else {
      // One PGlite per process: both apps share it, and it serialises them.
      second = first;
    }
  });
  afterAll(async () => {
    if (second !== first) await second?.close();
    await first?.close();
  });

  it('ingesting failing samples of one monitor concurrently creates exactly one open warning', async () => {
    const services = [first, second].map((d) =>
      createWarningService({ db: d.db, logger: silentLog, calendar, settings: DEFAULT_WARNING_SETTINGS }),
    );
    const apps = [
      await createTestApp(backend, { database: first, hooks: services[0]!.hooks }),
      await createTestApp(backend, { database: second, hooks: services[1]!.hooks }),
    ];
    try {
      // The admin token is the one stored last (by the second app).
      const host = await apps[1]!.createHost();
      const monitor = await apps[1]!.createMonitor(host.id);
      const base = Date.now() - 120_000;
      let n = 0;
      const rounds = 10;
      for (let i = 0; i < rounds; i++) {
        const at = (ms: number) => new Date(base + i * 1000 + ms);
        const posts = [
          [apps[0]!, [sample(monitor.id, 'NOT_FOUND', at(0), ++n)]],
          [apps[1]!, [sample(monitor.id, 'NOT_FOUND', at(300), ++n)]],
          [
            apps[0]!,
            [sample(monitor.id, 'NOT_FOUND', at(600), ++n), sample(monitor.id, 'NOT_FOUND', at(700), ++n)],
          ],
          [apps[1]!, [sample(monitor.id, 'NOT_FOUND', at(900), ++n)]],
        ] as const;
        const results = await Promise.all(
          posts.map(([app, samples]) =>
            app.agent(host.agent_token, 'POST', '/agent/v1/samples', batchOf([...samples])),
          ),
        );
        expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      }
      const rows = await first.db
        .selectFrom('OpsWarning')
        .select(['type', 'status', 'count'])
        .where('processMonitorId', '=', monitor.id)
        .execute();
      expect(rows.map((r) => [r.type, r.status])).toEqual([['PROCESS_NOT_RUNNING', 'OPEN']]);
      expect(rows[0]!.count).toBeGreaterThanOrEqual(rounds);
      expect(rows[0]!.count).toBeLessThanOrEqual(5 * rounds);
    } finally {
      for (const app of apps) await app.close();
      for (const s of services) await s.close();
    }
  });
});
