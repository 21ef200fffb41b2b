import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileCalendar } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { testNotice } from '../../src/notify/notice.ts';
import { createNotifier, type Notifier } from '../../src/notify/notifier.ts';
import { createWarningEngine, type WarningEngine } from '../../src/warnings/engine.ts';
import { DEFAULT_WARNING_SETTINGS } from '../../src/warnings/settings.ts';
import { type EngineDb, engineDb } from '../../src/warnings/tables.ts';
import { openTestDatabase, testBackends } from '../support/test-database.ts';
import { createHost, createMonitor, sampleOf, silentLog, waitFor } from '../warnings/fixtures.ts';
import { type Receiver, type ReceiverSecrets, startReceiver } from './receiver.ts';

const secrets: ReceiverSecrets = {
  webhook: 'whsec-0123456789abcdef',
  dingtalkToken: 'dt-access-token-0123456789',
  dingtalk: 'SEC0123456789abcdef0123456789abcdef',
  wecomKey: '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa',
  feishuHook: 'f3b1c2d4-feishu-hook',
  feishu: 'feishu-secret-0123456789',
  slackPath: 'services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX',
};
const KINDS = ['webhook', 'dingtalk', 'wecom', 'feishu', 'slack'] as const;
const calendar = compileCalendar({ holidays: [] });

describe.each(testBackends())('notifications on %s', (backend) => {
  let database: DatabaseHandle;
  let db: EngineDb;
  let receiver: Receiver;
  let blackHole: Server;
  let notifier: Notifier;
  let engine: WarningEngine;
  const stop = new AbortController();
  let loop: Promise<void>;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    db = engineDb(database.db);
    receiver = await startReceiver(secrets);
    // Accepts connections and never answers: a dead channel must not hold up the others.
    blackHole = createServer(() => {});
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    notifier = createNotifier({
      db: database.db,
      log: silentLog,
      settings: { pollMs: 100, backoffBaseMs: 100, backoffMaxMs: 400, timeoutMs: 2_000, maxAttempts: 3 },
    });
    engine = createWarningEngine({
      db: database.db,
      log: silentLog,
      calendar,
      settings: DEFAULT_WARNING_SETTINGS,
      onNotificationsQueued: () => notifier.wake(),
    });
    loop = notifier.run(stop.signal);
  });
  afterAll(async () => {
    stop.abort();
    await loop;
    await notifier?.close();
    await receiver?.close();
    blackHole?.closeAllConnections();
    await new Promise((resolve) => blackHole?.close(resolve));
    await database?.close();
  });

  const addChannel = (
    name: string,
    kind: string,
    url: string,
    secret: string | null = null,
    extra: object = {},
  ) =>
    db
      .insertInto('NotificationChannel')
      .values({ name, kind, url, secret, ...extra })
      .returning('id')
      .executeTakeFirstOrThrow();

  it('delivers exactly one opened and one resolved per incident to every kind, signed as each service checks', async () => {
    const host = await createHost(database.db, { name: 'sh-notify' });
    await addChannel('hook', 'webhook', `${receiver.base}/webhook`, secrets.webhook);
    await addChannel(
      'ding',
      'dingtalk',
      `${receiver.base}/dingtalk/robot/send?access_token=${secrets.dingtalkToken}`,
      secrets.dingtalk,
    );
    await addChannel('wecom', 'wecom', `${receiver.base}/wecom/cgi-bin/webhook/send?key=${secrets.wecomKey}`);
    await addChannel(
      'lark',
      'feishu',
      `${receiver.base}/feishu/open-apis/bot/v2/hook/${secrets.feishuHook}`,
      secrets.feishu,
    );
    await addChannel('slack', 'slack', `${receiver.base}/slack/${secrets.slackPath}`);
    const { port } = blackHole.address() as AddressInfo;
    await addChannel('dead', 'webhook', `http://127.0.0.1:${port}/never`, secrets.webhook);

    const monitors = [
      await createMonitor(database.db, host, { name: 'trader-1' }),
      await createMonitor(database.db, host, { name: 'quote-1' }),
    ];
    let t = Date.now() - 60_000;
    const next = () => {
      t += 1000;
      return new Date(t);
    };
    for (const m of monitors) await engine.evaluateSamples([sampleOf(m, 'RUNNING', next())]);
    // Each incident: down, still down (a bump: no message), back for two checks (resolved).
    for (const m of monitors) {
      await engine.evaluateSamples([sampleOf(m, 'NOT_FOUND', next())]);
      await engine.evaluateSamples([sampleOf(m, 'NOT_FOUND', next())]);
    }
    for (const m of monitors) {
      await engine.evaluateSamples([sampleOf(m, 'RUNNING', next()), sampleOf(m, 'RUNNING', next())]);
    }
    const warnings = await db
      .selectFrom('OpsWarning')
      .select(['id', 'status', 'count'])
      .where('processMonitorId', 'in', monitors)
      .orderBy('id')
      .execute();
    expect(warnings.map((w) => [w.status, w.count])).toEqual([
      ['RESOLVED', 2],
      ['RESOLVED', 2],
    ]);

    const expected = warnings.length * 2 * KINDS.length;
    await waitFor(() => receiver.messages.length >= expected, 30_000, `${expected} messages`);
    // The queue is drained for the live channels (only the dead one may still be retrying).
    await waitFor(async () => {
      const pending = await db
        .selectFrom('NotificationDelivery as d')
        .innerJoin('NotificationChannel as c', 'c.id', 'd.channelId')
        .select('d.id')
        .where('d.status', '=', 'PENDING')
        .where('c.name', '<>', 'dead')
        .execute();
      return pending.length === 0;
    });

    expect(receiver.messages.filter((m) => !m.verified)).toEqual([]);
    for (const kind of KINDS) {
      for (const w of warnings) {
        const got = receiver.messages
          .filter((m) => m.kind === kind && m.warningId === w.id)
          .map((m) => m.event);
        expect(got, `${kind} messages of warning ${w.id}`).toEqual(['opened', 'resolved']);
      }
    }
    expect(receiver.messages).toHaveLength(expected);

    // Every attempt is recorded, the dead channel's timeouts too (it is retried in its own worker meanwhile).
    await waitFor(
      async () => {
        const dead = await db
          .selectFrom('NotificationAttempt as a')
          .innerJoin('NotificationDelivery as d', 'd.id', 'a.deliveryId')
          .innerJoin('NotificationChannel as c', 'c.id', 'd.channelId')
          .select(['a.ok', 'a.error', 'a.duration_ms'])
          .where('c.name', '=', 'dead')
          .execute();
        return dead.length > 0 && dead.every((a) => !a.ok && a.error !== null && a.duration_ms >= 1_900);
      },
      30_000,
      'a timed-out attempt of the dead channel',
    );
    const live = await db
      .selectFrom('NotificationAttempt as a')
      .innerJoin('NotificationDelivery as d', 'd.id', 'a.deliveryId')
      .innerJoin('NotificationChannel as c', 'c.id', 'd.channelId')
      .select(['a.ok', 'a.status_code'])
      .where('c.name', '<>', 'dead')
      .execute();
    expect(live).toHaveLength(expected);
    expect(live.every((a) => a.ok && a.status_code !== null && a.status_code < 300)).toBe(true);
  });

  /** Queues a warning message as the outbox does (test messages are never retried). */
  const queueMessage = async (channelId: number, event: 'opened' | 'reminder') => {
    const row = await db
      .insertInto('NotificationDelivery')
      .values({
        channelId,
        opsWarningId: null,
        event,
        payload: JSON.stringify({ ...testNotice('retry', new Date()), event }),
        next_attempt_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  };

  it('retries a failing channel with backoff and records each attempt', async () => {
    const channel = await addChannel('flaky', 'webhook', `${receiver.base}/webhook`, secrets.webhook);
    receiver.failNext('/webhook', 2);
    const id = await queueMessage(channel.id, 'opened');
    notifier.wake();
    await waitFor(async () => {
      const row = await db
        .selectFrom('NotificationDelivery')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.status === 'DELIVERED';
    });
    const attempts = await db
      .selectFrom('NotificationAttempt')
      .select(['attempt', 'ok', 'status_code', 'error'])
      .where('deliveryId', '=', id)
      .orderBy('attempt')
      .execute();
    expect(attempts).toMatchObject([
      { attempt: 1, ok: false, status_code: 503, error: 'HTTP 503: try later' },
      { attempt: 2, ok: false, status_code: 503 },
      { attempt: 3, ok: true, status_code: 204, error: null },
    ]);
  });

  it('gives up on a refused signature after maxAttempts, with the service error recorded', async () => {
    const channel = await addChannel(
      'wrong-secret',
      'dingtalk',
      `${receiver.base}/dingtalk/robot/send?access_token=${secrets.dingtalkToken}`,
      'SECnot-the-right-secret',
    );
    const id = await queueMessage(channel.id, 'reminder');
    notifier.wake();
    await waitFor(async () => {
      const row = await db
        .selectFrom('NotificationDelivery')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.status === 'FAILED';
    });
    const row = await db
      .selectFrom('NotificationDelivery')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ attempts: 3, last_error: 'errcode 310000: sign not match' });
  });
});
