import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_COMPILED_CALENDAR } from '@procwatch/shared';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/database.ts';
import type { ProcessStatusRow } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import { createWarningEngine } from '../../src/warnings/engine.ts';
import { DEFAULT_WARNING_SETTINGS } from '../../src/warnings/settings.ts';
import { testPostgresUrl } from '../support/backends.ts';
import { type SshdFixture, sshdUnavailableReason, startSshd } from '../support/sshd.ts';
import { openTestDatabase, testBackends } from '../support/test-database.ts';
import { eventually, type SshCollector, sshCollector, startTarget } from './ssh-harness.ts';

const unavailable = sshdUnavailableReason();
if (unavailable) console.warn(`skipping SSH sweep tests: ${unavailable}`);

/** A migrated PostgreSQL database (a copy of the suite's template) that two collectors can open by URL. */
async function migratedPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `procwatch_ssh_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: testPostgresUrl() });
    await client.connect();
    await client.query(statement).finally(() => client.end());
  };
  await admin(`CREATE DATABASE ${name} TEMPLATE ${inject('postgresTemplateDb')}`);
  const url = new URL(testPostgresUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.skipIf(unavailable).each(testBackends())('SSH sweep of silent hosts (%s)', (backend) => {
  let sshd: SshdFixture;
  let database: DatabaseHandle;
  let target: Awaited<ReturnType<typeof startTarget>>;

  beforeAll(async () => {
    [sshd, database, target] = await Promise.all([startSshd(), openTestDatabase(backend), startTarget()]);
  });
  afterAll(async () => {
    await target?.[Symbol.asyncDispose]();
    await Promise.all([sshd?.close(), database?.close()]);
  });

  async function addHost(fields: {
    heartbeatAgoMs: number | null;
    timeoutS?: number;
    hostKey?: string | null;
  }) {
    const host = await database.db
      .insertInto('HostServer')
      .values({
        name: `host-${randomUUID()}`,
        address: sshd.host,
        ssh_port: sshd.port,
        ssh_user: sshd.user,
        ssh_host_key: fields.hostKey === undefined ? sshd.hostKey.fingerprint : fields.hostKey,
        heartbeat_timeout_seconds: fields.timeoutS ?? 2,
        last_heartbeat_at:
          fields.heartbeatAgoMs === null ? null : new Date(Date.now() - fields.heartbeatAgoMs),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const [running, missing] = await database.db
      .insertInto('ProcessMonitor')
      .values([
        {
          name: 'running',
          process_type: 'QUOTE',
          hostServerId: host.id,
          command_pattern: escapeRegExp(target.tag),
          check_interval: 1,
        },
        {
          name: 'missing',
          process_type: 'COMMUNICATION',
          hostServerId: host.id,
          command_pattern: `procwatch-absent-${randomUUID()}`,
          check_interval: 1,
        },
      ])
      .returning('id')
      .execute();
    return { host, running: running!.id, missing: missing!.id };
  }

  const sshRows = (monitorId: number): Promise<ProcessStatusRow[]> =>
    database.db
      .selectFrom('ProcessStatus')
      .selectAll()
      .where('processMonitorId', '=', monitorId)
      .where('source', '=', 'SSH')
      .orderBy('checked_at')
      .execute();

  it('sweeps a host once its agent is silent, and stops when the agent is back', async () => {
    await using collector = sshCollector(database.db, sshd);
    const { host, running, missing } = await addHost({ heartbeatAgoMs: 0, timeoutS: 2 });
    // The agent heartbeats (as its heartbeat route would) until it "stops".
    let agentAlive = true;
    let lastBeat = new Date();
    const beat = setInterval(() => {
      if (!agentAlive) return;
      lastBeat = new Date();
      void database.db
        .updateTable('HostServer')
        .set({ last_heartbeat_at: lastBeat })
        .where('id', '=', host.id)
        .execute();
    }, 200);
    const stop = new AbortController();
    const loop = collector.sweeper.run(stop.signal);
    try {
      // Alive: several ticks pass without a sweep of this host.
      const ticks = collector.sweeper.ticks;
      await eventually(() => (collector.sweeper.ticks >= ticks + 3 ? true : undefined), 'three ticks');
      expect(await sshRows(running)).toEqual([]);

      agentAlive = false;
      const stoppedAt = lastBeat;
      const [first] = await eventually(async () => {
        const rows = await sshRows(running);
        return rows.length > 0 ? rows : undefined;
      }, 'an SSH sample of the running process');
      expect(first).toMatchObject({ status: 'RUNNING', pid: target.child.pid, source: 'SSH', seq: null });
      // Not before the heartbeat timeout ran out.
      expect(first!.checked_at.getTime()).toBeGreaterThanOrEqual(stoppedAt.getTime() + 2000);
      const missingRows = await eventually(async () => {
        const rows = await sshRows(missing);
        return rows.length > 0 ? rows : undefined;
      }, 'an SSH sample of the missing process');
      expect(missingRows[0]).toMatchObject({ status: 'NOT_FOUND', pid: null, source: 'SSH' });
      const current = await database.db
        .selectFrom('ProcessCurrentStatus')
        .selectAll()
        .where('processMonitorId', 'in', [running, missing])
        .orderBy('processMonitorId')
        .execute();
      expect(current.map((c) => [c.status, c.source])).toEqual([
        ['RUNNING', 'SSH'],
        ['NOT_FOUND', 'SSH'],
      ]);
      // SSH samples are no sign of the agent: the heartbeat stays where the agent left it.
      const row = await database.db
        .selectFrom('HostServer')
        .select('last_heartbeat_at')
        .where('id', '=', host.id)
        .executeTakeFirstOrThrow();
      expect(row.last_heartbeat_at?.getTime()).toBe(stoppedAt.getTime());

      // It keeps sweeping every check interval while the agent stays away.
      await eventually(
        async () => ((await sshRows(running)).length >= 2 ? true : undefined),
        'a second sweep',
      );

      // The agent returns: once the sweeps in flight end, no further SSH check runs.
      agentAlive = true;
      await eventually(async () => {
        const h = await database.db
          .selectFrom('HostServer')
          .select('last_heartbeat_at')
          .where('id', '=', host.id)
          .executeTakeFirstOrThrow();
        return h.last_heartbeat_at && h.last_heartbeat_at > stoppedAt ? true : undefined;
      }, 'the agent heartbeat');
      const settled = collector.sweeper.ticks;
      await eventually(
        () => (collector.sweeper.ticks >= settled + 1 && collector.sweeper.inFlight === 0 ? true : undefined),
        'in-flight sweeps to end',
      );
      const rowsAfter = (await sshRows(running)).length;
      const commandsAfter = sshd.commandSessions();
      const ticks2 = collector.sweeper.ticks;
      await eventually(() => (collector.sweeper.ticks >= ticks2 + 8 ? true : undefined), 'eight more ticks');
      expect((await sshRows(running)).length).toBe(rowsAfter);
      expect(sshd.commandSessions()).toBe(commandsAfter);
    } finally {
      clearInterval(beat);
      stop.abort();
      await loop;
    }
  });

  it('stores ERROR samples naming a host-key mismatch, with no command run, and raises CHECK_FAILED', async () => {
    // The warning engine on the ingest hook, as the collector wires it.
    const engine = createWarningEngine({
      db: database.db,
      log: createLogger('silent'),
      calendar: DEFAULT_COMPILED_CALENDAR,
      settings: DEFAULT_WARNING_SETTINGS,
    });
    await using collector = sshCollector(database.db, sshd, {
      hooks: {
        onSamplesStored: async (stored) => {
          await engine.evaluateSamples(stored);
        },
      },
    });
    const { running, missing } = await addHost({
      heartbeatAgoMs: 60_000,
      hostKey: sshd.clientKey.fingerprint,
    });
    const sessions = sshd.sessions();
    const logins = sshd.acceptedLogins();
    const summary = await collector.sweeper.runOnce(new Date());
    expect(summary).toMatchObject({ claimed: 1, hostsFailed: 1, samplesStored: 2 });
    for (const id of [running, missing]) {
      const [row] = await sshRows(id);
      expect(row?.status).toBe('ERROR');
      expect(row?.error_message).toMatch(/host key mismatch .*pinned SHA256:.*server presented SHA256:/);
    }
    expect(sshd.sessions()).toBe(sessions);
    expect(sshd.acceptedLogins()).toBe(logins);
    const warnings = await database.db
      .selectFrom('OpsWarning')
      .select(['type', 'status', 'processMonitorId', 'message'])
      .where('processMonitorId', 'in', [running, missing])
      .orderBy('processMonitorId')
      .execute();
    expect(warnings.map((w) => [w.processMonitorId, w.type, w.status])).toEqual([
      [running, 'PROCESS_CHECK_FAILED', 'OPEN'],
      [missing, 'PROCESS_CHECK_FAILED', 'OPEN'],
    ]);
    expect(warnings[0]!.message).toContain('host key mismatch');
  });

  it('leaves hosts alone that have no SSH settings, are inactive or have a live agent', async () => {
    await using collector = sshCollector(database.db, sshd);
    const noKey = await addHost({ heartbeatAgoMs: 60_000, hostKey: null });
    const alive = await addHost({ heartbeatAgoMs: 0, timeoutS: 3600 });
    const inactive = await addHost({ heartbeatAgoMs: 60_000 });
    await database.db
      .updateTable('HostServer')
      .set({ active: false })
      .where('id', '=', inactive.host.id)
      .execute();
    await collector.sweeper.runOnce(new Date());
    for (const h of [noKey, alive, inactive]) expect(await sshRows(h.running)).toEqual([]);
  });

  // PGlite is one process's embedded database: two collectors cannot share it.
  it.skipIf(backend !== 'postgres')(
    'two collectors on one database run each check once (PostgreSQL only)',
    async () => {
      // Two collectors = two connection pools to one PostgreSQL, two SSH pools, two sweepers.
      const shared = await migratedPostgresDatabase();
      const a = await createDatabase({ databaseUrl: shared.url, poolMax: 4 });
      const b = await createDatabase({ databaseUrl: shared.url, poolMax: 4 });
      try {
        const host = await a.db
          .insertInto('HostServer')
          .values({
            name: 'silent',
            address: sshd.host,
            ssh_port: sshd.port,
            ssh_user: sshd.user,
            ssh_host_key: sshd.hostKey.fingerprint,
            heartbeat_timeout_seconds: 5,
            last_heartbeat_at: new Date(Date.now() - 3_600_000),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await a.db
          .insertInto('ProcessMonitor')
          .values({
            name: 'running',
            process_type: 'QUOTE',
            hostServerId: host.id,
            command_pattern: escapeRegExp(target.tag),
            check_interval: 5,
          })
          .execute();
        // Both read one stepped clock: every round is one check period later.
        let now = new Date();
        const clock = () => now;
        await using one: SshCollector = sshCollector(a.db, sshd, { clock, owner: 'collector-a' });
        await using two: SshCollector = sshCollector(b.db, sshd, { clock, owner: 'collector-b' });
        const rounds = 4;
        const commandsBefore = sshd.commandSessions();
        for (let round = 0; round < rounds; round++) {
          const [x, y] = await Promise.all([one.sweeper.runOnce(now), two.sweeper.runOnce(now)]);
          expect(x.claimed + y.claimed).toBe(1);
          expect(x.hostsChecked + y.hostsChecked).toBe(1);
          // Within the same period nobody sweeps again.
          const [x2, y2] = await Promise.all([one.sweeper.runOnce(now), two.sweeper.runOnce(now)]);
          expect(x2.claimed + y2.claimed).toBe(0);
          now = new Date(now.getTime() + 5000);
        }
        await sshd.waitUntil(() => sshd.commandSessions() >= commandsBefore + rounds);
        expect(sshd.commandSessions()).toBe(commandsBefore + rounds);
        const stored = await a.db.selectFrom('ProcessStatus').select(['source', 'status']).execute();
        expect(stored).toHaveLength(rounds);
        expect(stored.every((r) => r.source === 'SSH' && r.status === 'RUNNING')).toBe(true);
      } finally {
        await Promise.all([a.close(), b.close()]);
        await shared.drop();
      }
    },
  );
});
