import { gzipSync } from 'node:zlib';
import type { AgentConfig, HostWithToken, Monitor, Problem } from '@procwatch/shared';
import { sql } from 'kysely';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../../src/collector.ts';
import { DatabaseCommandBus } from '../../src/commands/command-bus.ts';
import { LocalCommandNotifier, PgCommandNotifier } from '../../src/commands/command-notifier.ts';
import { partitionDay, partitionName } from '../../src/db/partitions.ts';
import type { RouteModule } from '../../src/http/route-module.ts';
import { routeModules } from '../../src/http/routes/index.ts';
import type { HeartbeatInfo } from '../../src/ingest/hooks.ts';
import type { StoredSampleInfo } from '../../src/ingest/stored-sample.ts';
import { createLogger } from '../../src/logger.ts';
import { batchOf, createTestApp, makeSample, type TestApp, testConfig } from '../support/test-app.ts';
import { openTestDatabase, testBackends } from '../support/test-database.ts';
import { waitUntil } from '../support/wait-for.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

describe.each(testBackends())('agent API on %s', (backend) => {
  let t: TestApp;
  let host: HostWithToken;
  let monitor: Monitor;
  const storedBatches: StoredSampleInfo[][] = [];
  const heartbeats: HeartbeatInfo[] = [];
  let failHook = false;

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: { PROCWATCH_MAX_BODY_BYTES: '65536', PROCWATCH_MAX_DECODED_BODY_BYTES: '262144' },
      hooks: {
        onSamplesStored: async (stored) => {
          storedBatches.push([...stored]);
          if (failHook) throw new Error('hook broke');
        },
        onHeartbeat: async (info) => {
          heartbeats.push(info);
        },
      },
    });
    host = await t.createHost();
    monitor = await t.createMonitor(host.id);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (body: unknown, token = host.agent_token, headers: Record<string, string> = {}) =>
    t.agent(token, 'POST', '/agent/v1/samples', body, headers);
  const countRows = async (monitorId?: number) => {
    let q = t.database.db.selectFrom('ProcessStatus').select((eb) => eb.fn.countAll<number>().as('n'));
    if (monitorId !== undefined) q = q.where('processMonitorId', '=', monitorId);
    return Number((await q.executeTakeFirstOrThrow()).n);
  };
  const current = (monitorId: number) =>
    t.database.db
      .selectFrom('ProcessCurrentStatus')
      .selectAll()
      .where('processMonitorId', '=', monitorId)
      .executeTakeFirst();

  describe('config', () => {
    it("serves the host's active monitors with an ETag, 304 when unchanged, a new ETag after a change", async () => {
      const h = await t.createHost();
      const active = await t.createMonitor(h.id, { command_pattern: 'quote_server --port \\d+' });
      await t.createMonitor(h.id, { active: false });
      await t.createMonitor(host.id);
      const res = await t.agent(h.agent_token, 'GET', '/agent/v1/config');
      expect(res.status).toBe(200);
      const etag = res.headers.get('etag')!;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const config = (await res.json()) as AgentConfig;
      expect(config).toMatchObject({ protocol: 1, host: { id: h.id, name: h.name } });
      expect(config.monitors.map((m) => m.id)).toEqual([active.id]);
      expect(config.monitors[0]).toMatchObject({
        command_pattern: 'quote_server --port \\d+',
        check_interval: 60,
      });
      expect(config.settings.heartbeat_interval_s).toBe(15);
      expect(config.calendar.timeZone).toBe('Asia/Shanghai');

      const again = await t.agent(h.agent_token, 'GET', '/agent/v1/config', undefined, {
        'if-none-match': etag,
      });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      await t.admin('PATCH', `/api/v1/monitors/${active.id}`, { check_interval: 5 });
      const changed = await t.agent(h.agent_token, 'GET', '/agent/v1/config', undefined, {
        'if-none-match': etag,
      });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(etag);
    });

    it('answers 401 without a token or with a wrong one', async () => {
      expect((await t.app.request('/agent/v1/config')).status).toBe(401);
      const forged = `${host.agent_token.slice(0, -4)}AAAA`;
      expect((await t.agent(forged, 'GET', '/agent/v1/config')).status).toBe(401);
      expect((await post(batchOf([makeSample(monitor.id)]), forged)).status).toBe(401);
    });
  });

  describe('samples', () => {
    it('stores a batch once: the same batch posted twice adds no rows and says so', async () => {
      const m = await t.createMonitor(host.id);
      const batch = batchOf([
        makeSample(m.id, { seq: 1 }),
        makeSample(m.id, { seq: 2 }),
        makeSample(m.id, { seq: 3 }),
      ]);
      const first = await post(batch);
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ accepted: 3, duplicates: 0 });
      const second = await post(batch);
      expect(await second.json()).toEqual({ accepted: 0, duplicates: 3 });
      const gz = await post(gzipSync(JSON.stringify(batch)), host.agent_token, {
        'content-encoding': 'gzip',
      });
      expect(await gz.json()).toEqual({ accepted: 0, duplicates: 3 });
      expect(await countRows(m.id)).toBe(3);
    });

    it("refuses the whole batch with 403 when one sample names another host's monitor, writing nothing", async () => {
      const other = await t.createHost();
      const foreign = await t.createMonitor(other.id);
      const m = await t.createMonitor(host.id);
      const before = await t.database.db
        .selectFrom('HostServer')
        .select('last_heartbeat_at')
        .where('id', '=', host.id)
        .executeTakeFirstOrThrow();
      const rowsBefore = await countRows();
      const res = await post(batchOf([makeSample(m.id), makeSample(foreign.id), makeSample(999_999)]));
      expect(res.status).toBe(403);
      const body = (await res.json()) as Problem;
      expect(body.code).toBe('foreign_monitor');
      expect(body.errors?.map((e) => e.path)).toEqual([
        'samples.1.processMonitorId',
        'samples.2.processMonitorId',
      ]);
      expect(await countRows()).toBe(rowsBefore);
      expect(await current(m.id)).toBeUndefined();
      const after = await t.database.db
        .selectFrom('HostServer')
        .select('last_heartbeat_at')
        .where('id', '=', host.id)
        .executeTakeFirstOrThrow();
      expect(after.last_heartbeat_at).toEqual(before.last_heartbeat_at);
    });

    it('moves the current status only forward: a late replay is stored but leaves the current status alone', async () => {
      const m = await t.createMonitor(host.id);
      const now = Date.now();
      const newer = makeSample(m.id, {
        seq: 2,
        status: 'NOT_FOUND',
        pid: null,
        checked_at: new Date(now - MINUTE_MS).toISOString(),
      });
      const older = makeSample(m.id, {
        seq: 1,
        status: 'RUNNING',
        checked_at: new Date(now - 2 * MINUTE_MS).toISOString(),
      });
      expect(await (await post(batchOf([newer]))).json()).toEqual({ accepted: 1, duplicates: 0 });
      expect(await (await post(batchOf([older]))).json()).toEqual({ accepted: 1, duplicates: 0 });
      const row = await current(m.id);
      expect(row).toMatchObject({ status: 'NOT_FOUND', sample_id: newer.sample_id, pid: null });
      expect(row?.checked_at.toISOString()).toBe(newer.checked_at);
      expect(await countRows(m.id)).toBe(2);
    });

    it('moves status_since only when the status changes, also within a batch', async () => {
      const m = await t.createMonitor(host.id);
      const t0 = Date.now() - 10 * MINUTE_MS;
      const at = (i: number) => new Date(t0 + i * MINUTE_MS).toISOString();
      const since = async () => (await current(m.id))?.status_since.toISOString();
      await post(batchOf([makeSample(m.id, { checked_at: at(0) }), makeSample(m.id, { checked_at: at(1) })]));
      expect(await since()).toBe(at(0));
      await post(batchOf([makeSample(m.id, { checked_at: at(2) })]));
      expect(await since()).toBe(at(0));
      await post(batchOf([makeSample(m.id, { status: 'STOPPED', checked_at: at(3) })]));
      expect(await since()).toBe(at(3));
      await post(
        batchOf([
          makeSample(m.id, { status: 'RUNNING', checked_at: at(4) }),
          makeSample(m.id, { status: 'STOPPED', checked_at: at(5) }),
          makeSample(m.id, { status: 'STOPPED', checked_at: at(6) }),
        ]),
      );
      expect(await since()).toBe(at(5));
    });

    it('stores a sample for a day without a partition, and again after retention dropped a day it knew', async () => {
      const m = await t.createMonitor(host.id);
      const old = Date.now() - 20 * DAY_MS;
      const sample = makeSample(m.id, { checked_at: new Date(old).toISOString() });
      expect(await (await post(batchOf([sample]))).json()).toEqual({ accepted: 1, duplicates: 0 });
      // Retention (another collector) drops the day: this process still remembers it existed.
      await sql`DROP TABLE ${sql.table(partitionName(partitionDay(new Date(old))))}`.execute(t.database.db);
      const again = makeSample(m.id, { checked_at: new Date(old + 1000).toISOString() });
      expect(await (await post(batchOf([again]))).json()).toEqual({ accepted: 1, duplicates: 0 });
      expect(await countRows(m.id)).toBe(1);
    });

    it('counts samples older than the retention as expired, and refuses samples from the future', async () => {
      const m = await t.createMonitor(host.id);
      const ancient = makeSample(m.id, { checked_at: new Date(Date.now() - 40 * DAY_MS).toISOString() });
      const fresh = makeSample(m.id);
      expect(await (await post(batchOf([ancient, fresh]))).json()).toEqual({
        accepted: 1,
        duplicates: 0,
        expired: 1,
      });
      const future = makeSample(m.id, { checked_at: new Date(Date.now() + 3 * DAY_MS).toISOString() });
      const res = await post(batchOf([makeSample(m.id), future]));
      expect(res.status).toBe(400);
      expect(((await res.json()) as Problem).errors).toEqual([
        { path: 'samples.1.checked_at', message: 'is in the future' },
      ]);
      expect(await countRows(m.id)).toBe(1);
    });

    it('names bad fields, and refuses gzip bombs, bad gzip, other codings and wrong types without writing', async () => {
      const rowsBefore = await countRows();
      const bad = await post({
        protocol: 1,
        samples: [{ ...makeSample(monitor.id), pid: -1, status: 'GONE', checked_at: 'yesterday' }],
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Problem).errors?.map((e) => e.path)).toEqual(
        expect.arrayContaining(['samples.0.pid', 'samples.0.status', 'samples.0.checked_at']),
      );
      const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
      expect(bomb.length).toBeLessThan(65536);
      const bombed = await post(bomb, host.agent_token, { 'content-encoding': 'gzip' });
      expect(bombed.status).toBe(413);
      const wire = await post(Buffer.alloc(100_000, 0x20), host.agent_token);
      expect(wire.status).toBe(413);
      expect((await post('not gzip at all', host.agent_token, { 'content-encoding': 'gzip' })).status).toBe(
        400,
      );
      expect(
        (
          await post(JSON.stringify(batchOf([makeSample(monitor.id)])), host.agent_token, {
            'content-encoding': 'br',
          })
        ).status,
      ).toBe(415);
      expect(
        (
          await post(JSON.stringify(batchOf([makeSample(monitor.id)])), host.agent_token, {
            'content-type': 'text/plain',
          })
        ).status,
      ).toBe(415);
      expect((await post(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).status).toBe(400);
      // Absurd nesting is refused even in a field the agent protocol would ignore.
      const deep = JSON.stringify(batchOf([makeSample(monitor.id)])).replace(
        /^\{/,
        `{"x":${'['.repeat(40)}${']'.repeat(40)},`,
      );
      expect((await post(deep)).status).toBe(400);
      expect(await countRows()).toBe(rowsBefore);
      // Brackets and escaped quotes inside strings are data, not nesting.
      const bracey = makeSample(monitor.id, { error_message: `\\"${'['.repeat(40)}"{` });
      expect(await (await post(batchOf([bracey]))).json()).toEqual({ accepted: 1, duplicates: 0 });
    });

    it('calls onSamplesStored after the commit with only the new rows, in checked_at order; a failing hook does not fail ingest', async () => {
      const m = await t.createMonitor(host.id);
      const now = Date.now();
      const a = makeSample(m.id, { checked_at: new Date(now - 3000).toISOString() });
      const b = makeSample(m.id, { checked_at: new Date(now - 2000).toISOString() });
      const c = makeSample(m.id, { checked_at: new Date(now - 1000).toISOString() });
      await post(batchOf([b]));
      storedBatches.length = 0;
      await post(batchOf([c, b, a]));
      expect(storedBatches).toHaveLength(1);
      const stored = storedBatches[0]!;
      expect(stored.map((s) => s.sample_id)).toEqual([a.sample_id, c.sample_id]);
      expect(stored[0]).toMatchObject({
        hostServerId: host.id,
        processMonitorId: m.id,
        source: 'AGENT',
        status: 'RUNNING',
      });
      expect(stored[0]!.checked_at).toBeInstanceOf(Date);
      // Committed before the hook runs: the hook can read the rows.
      expect(await countRows(m.id)).toBe(3);

      storedBatches.length = 0;
      await post(batchOf([b]));
      expect(storedBatches).toHaveLength(0);

      failHook = true;
      try {
        const res = await post(batchOf([makeSample(m.id)]));
        expect(await res.json()).toEqual({ accepted: 1, duplicates: 0 });
      } finally {
        failHook = false;
      }
      expect(await countRows(m.id)).toBe(4);
    });
  });

  describe('heartbeat', () => {
    it("records the agent's state and the host's last heartbeat, and calls onHeartbeat", async () => {
      const h = await t.createHost();
      const res = await t.agent(h.agent_token, 'POST', '/agent/v1/heartbeat', {
        protocol: 1,
        agent_version: '0.1.0',
        started_at: new Date(Date.now() - MINUTE_MS).toISOString(),
        spool_depth: 12,
        last_seq: 345,
      });
      expect(res.status).toBe(200);
      const ack = (await res.json()) as { server_time: string };
      expect(Math.abs(Date.parse(ack.server_time) - Date.now())).toBeLessThan(MINUTE_MS);
      const shown = await (await t.admin('GET', `/api/v1/hosts/${h.id}`)).json();
      expect(shown).toMatchObject({
        agent_version: '0.1.0',
        agent_spool_depth: 12,
        agent_last_seq: 345,
        agent_online: true,
      });
      expect(heartbeats.at(-1)).toMatchObject({ hostServerId: h.id, heartbeat: { spool_depth: 12 } });
      const bad = await t.agent(h.agent_token, 'POST', '/agent/v1/heartbeat', {
        protocol: 2,
        agent_version: '',
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Problem).errors?.map((e) => e.path)).toEqual(
        expect.arrayContaining(['protocol', 'agent_version', 'started_at']),
      );
    });

    it('counts an accepted batch as a sign of life of the agent', async () => {
      const h = await t.createHost();
      const m = await t.createMonitor(h.id);
      await t.agent(h.agent_token, 'POST', '/agent/v1/samples', batchOf([makeSample(m.id)]));
      expect(await (await t.admin('GET', `/api/v1/hosts/${h.id}`)).json()).toMatchObject({
        agent_online: true,
      });
    });
  });

  describe('commands', () => {
    it('answers 204 when nothing comes within the wait, and delivers a queued command once', async () => {
      const h = await t.createHost();
      const m = await t.createMonitor(h.id);
      const empty = await t.agent(h.agent_token, 'GET', '/agent/v1/commands?wait=0');
      expect(empty.status).toBe(204);
      expect((await t.agent(h.agent_token, 'GET', '/agent/v1/commands?wait=61')).status).toBe(400);

      const started = performance.now();
      const polling = t.agent(h.agent_token, 'GET', '/agent/v1/commands?wait=20');
      const command = await t.deps.commands.enqueue(h.id, { kind: 'check_now', processMonitorIds: [m.id] });
      const res = await polling;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ commands: [command] });
      expect(performance.now() - started).toBeLessThan(15_000);
      expect((await t.agent(h.agent_token, 'GET', '/agent/v1/commands?wait=0')).status).toBe(204);
      // Another host's poll never sees it.
      const other = await t.createHost();
      await t.deps.commands.enqueue(h.id, { kind: 'check_now', processMonitorIds: [m.id] });
      expect((await t.agent(other.agent_token, 'GET', '/agent/v1/commands?wait=0')).status).toBe(204);
    });

    it('reaches an agent that long-polls another collector instance on the same database', async () => {
      await using other = await createTestApp(backend, { database: t.database, adminToken: t.adminToken });
      const h = await t.createHost();
      const m = await t.createMonitor(h.id);
      const polling = other.agent(h.agent_token, 'GET', '/agent/v1/commands?wait=20');
      await t.deps.commands.enqueue(h.id, { kind: 'check_now', processMonitorIds: [m.id] });
      const res = await polling;
      expect(res.status).toBe(200);
      expect(((await res.json()) as { commands: unknown[] }).commands).toHaveLength(1);
    });
  });

  describe('command results', () => {
    const tailOf = (text: string | null) => ({
      protocol: 1,
      kind: 'log_tail',
      log_tail: { path: '/var/log/md.log', text, truncated: false, error: null, error_code: null },
    });

    it('stores the answer of a log_tail command once, for the host it was meant for', async () => {
      const h = await t.createHost();
      const m = await t.createMonitor(h.id);
      const command = await t.deps.commands.enqueue(h.id, {
        kind: 'log_tail',
        processMonitorId: m.id,
        max_lines: 50,
        max_bytes: 16_384,
      });
      const taken = await t.agent(h.agent_token, 'GET', '/agent/v1/commands?wait=0');
      expect(await taken.json()).toEqual({ commands: [command] });
      const path = `/agent/v1/commands/${command.id}/result`;

      // Refused answers change nothing.
      expect((await t.agent(host.agent_token, 'POST', path, tailOf('not yours'))).status).toBe(404);
      for (const bad of [
        { ...tailOf('x'), protocol: 2 },
        { protocol: 1, kind: 'log_tail' },
        { protocol: 1, kind: 'check_now' },
        { ...tailOf('x'), log_tail: { path: '/x', text: 'y'.repeat(70_000), truncated: false, error: null } },
      ]) {
        const res = await t.agent(h.agent_token, 'POST', path, bad);
        expect(res.status, JSON.stringify(bad).slice(0, 80)).toBe(400);
      }
      expect(
        (await t.agent(h.agent_token, 'POST', '/agent/v1/commands/not-a-uuid/result', tailOf('x'))).status,
      ).toBe(400);
      const stored = () =>
        t.database.db
          .selectFrom('AgentCommand')
          .select(['result', 'completed_at'])
          .where('id', '=', command.id)
          .executeTakeFirstOrThrow();
      expect(await stored()).toEqual({ result: null, completed_at: null });

      expect((await t.agent(h.agent_token, 'POST', path, tailOf('FATAL: feed lost'))).status).toBe(204);
      const again = await t.agent(h.agent_token, 'POST', path, tailOf('something else'));
      expect(again.status).toBe(409);
      expect(((await again.json()) as { code: string }).code).toBe('already_answered');

      // The collector that asked reads it once; the command is gone after.
      const result = await t.deps.commands.takeResult(command.id, { waitMs: 0 });
      expect(result).toMatchObject({ log_tail: { text: 'FATAL: feed lost' } });
      expect(await t.deps.commands.takeResult(command.id, { waitMs: 0 })).toBeNull();
    });

    it('refuses an answer of another kind than the command', async () => {
      const h = await t.createHost();
      const m = await t.createMonitor(h.id);
      const command = await t.deps.commands.enqueue(h.id, { kind: 'check_now', processMonitorIds: [m.id] });
      const res = await t.agent(
        h.agent_token,
        'POST',
        `/agent/v1/commands/${command.id}/result`,
        tailOf('x'),
      );
      expect(res.status).toBe(409);
      expect(((await res.json()) as { code: string }).code).toBe('wrong_kind');
    });
  });

  describe('command wake-ups within a collector', () => {
    it('wake a waiting long-poll at once, not at its next table poll', async () => {
      const logger = createLogger('silent');
      const bus = new DatabaseCommandBus({
        db: t.database.db,
        clock: () => new Date(),
        logger,
        notifier: new LocalCommandNotifier(),
        pollMs: 60_000,
      });
      try {
        const h = await t.createHost();
        const m = await t.createMonitor(h.id);
        const started = performance.now();
        const taking = bus.take(h.id, { waitMs: 50_000 });
        await bus.enqueue(h.id, { kind: 'check_now', processMonitorIds: [m.id] });
        expect(await taking).toHaveLength(1);
        expect(performance.now() - started).toBeLessThan(30_000);
        // Closing the bus ends a wait at once, with nothing.
        const waiting = bus.take(h.id, { waitMs: 50_000 });
        await bus.close();
        expect(await waiting).toEqual([]);
      } finally {
        await bus.close();
      }
    });
  });

  describe('command wake-ups across collectors', () => {
    it.runIf(backend === 'postgres')(
      'wake a long-poll on another collector at once through LISTEN/NOTIFY',
      async () => {
        const url = t.database.pool!.options.connectionString!;
        const logger = createLogger('silent');
        // Table polls far apart: only the notification can deliver within the deadline.
        const bus = (notifier: PgCommandNotifier) =>
          new DatabaseCommandBus({
            db: t.database.db,
            clock: () => new Date(),
            logger,
            notifier,
            pollMs: 60_000,
            crossInstancePollMs: 60_000,
          });
        const a = bus(new PgCommandNotifier(url, logger));
        const notifierB = new PgCommandNotifier(url, logger);
        const b = bus(notifierB);
        try {
          await waitUntil(() => notifierB.crossInstance, 'the LISTEN connection');
          const h = await t.createHost();
          const m = await t.createMonitor(h.id);
          const started = performance.now();
          const taking = b.take(h.id, { waitMs: 30_000 });
          await a.enqueue(h.id, { kind: 'check_now', processMonitorIds: [m.id] });
          const taken = await taking;
          expect(taken).toHaveLength(1);
          expect(performance.now() - started).toBeLessThan(20_000);
        } finally {
          await a.close();
          await b.close();
        }
      },
    );
  });

  describe('a started collector', () => {
    it('serves over HTTP and stops promptly, ending a long-poll in flight', async () => {
      const database = await openTestDatabase(backend);
      // A module whose middleware sees requests arrive: the test stops the collector once the poll is in.
      const inFlight = new Set<string>();
      const watch: RouteModule = {
        name: 'watch',
        middleware: () => async (c, next) => {
          inFlight.add(c.req.path);
          await next();
        },
        register: () => {},
      };
      const config = testConfig({ PORT: '0', PROCWATCH_ADMIN_TOKEN: 'an-admin-token-for-tests' });
      const collector = await startCollector(config, {
        logger: createLogger('silent'),
        database,
        extensions: [],
        modules: [watch, ...routeModules],
      });
      try {
        expect(collector.adminToken.source).toBe('configured');
        const health = await request(`${collector.url}/healthz`);
        expect(health.statusCode).toBe(200);
        await health.body.dump();
        const created = await request(`${collector.url}/api/v1/hosts`, {
          method: 'POST',
          headers: { authorization: 'Bearer an-admin-token-for-tests', 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'served', address: '127.0.0.1' }),
        });
        expect(created.statusCode).toBe(201);
        const { agent_token: token } = (await created.body.json()) as HostWithToken;
        const poll = request(`${collector.url}/agent/v1/commands?wait=30`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await waitUntil(() => inFlight.has('/agent/v1/commands'), 'the long-poll to arrive');
        const stopping = performance.now();
        await collector.close();
        const answered = await poll;
        expect(answered.statusCode).toBe(204);
        expect(performance.now() - stopping).toBeLessThan(9_000);
      } finally {
        await collector.close();
      }
    });
  });
});
