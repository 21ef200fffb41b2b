import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualCheckError, ManualCheckService } from '../../src/checks/manual-check.ts';
import { DatabaseCommandBus } from '../../src/commands/command-bus.ts';
import { LocalCommandNotifier, PgCommandNotifier } from '../../src/commands/command-notifier.ts';
import { createDatabase, type DatabaseHandle } from '../../src/db/database.ts';
import { SampleStore } from '../../src/ingest/store-samples.ts';
import { createLogger } from '../../src/logger.ts';
import { testPostgresUrl } from '../support/backends.ts';
import { type SshdFixture, sshdUnavailableReason, startSshd } from '../support/sshd.ts';
import { openTestDatabase, testBackends } from '../support/test-database.ts';
import {
  directLink,
  type SshCollector,
  sshCollector,
  startAgentStandIn,
  startTarget,
} from './ssh-harness.ts';

const unavailable = sshdUnavailableReason();
if (unavailable) console.warn(`skipping manual-check tests: ${unavailable}`);

const log = createLogger('silent');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.skipIf(unavailable).each(testBackends())('manual check (%s)', (backend) => {
  let sshd: SshdFixture;
  let database: DatabaseHandle;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let collector: SshCollector;
  let commands: DatabaseCommandBus;

  beforeAll(async () => {
    [sshd, database, target] = await Promise.all([startSshd(), openTestDatabase(backend), startTarget()]);
    collector = sshCollector(database.db, sshd);
    commands = new DatabaseCommandBus({
      db: database.db,
      clock: () => new Date(),
      logger: log,
      notifier: new LocalCommandNotifier(),
    });
  });
  afterAll(async () => {
    await commands?.close();
    await collector?.[Symbol.asyncDispose]();
    await target?.[Symbol.asyncDispose]();
    await Promise.all([sshd?.close(), database?.close()]);
  });

  const service = (options: { agentWaitMs?: number; ssh?: boolean } = {}) =>
    new ManualCheckService({
      db: database.db,
      clock: () => new Date(),
      commands,
      samples: collector.store,
      ssh: options.ssh === false ? undefined : collector.checker,
      log,
      agentWaitMs: options.agentWaitMs,
    });

  async function addHost(hostKey: string | null = sshd.hostKey.fingerprint) {
    const host = await database.db
      .insertInto('HostServer')
      .values({
        name: `host-${randomUUID()}`,
        address: sshd.host,
        ssh_port: sshd.port,
        ssh_user: sshd.user,
        ssh_host_key: hostKey,
        heartbeat_timeout_seconds: 30,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const [running, missing] = await database.db
      .insertInto('ProcessMonitor')
      .values([
        {
          name: 'running',
          process_type: 'QUOTE',
          hostServerId: host.id,
          command_pattern: escapeRegExp(target.tag),
        },
        {
          name: 'missing',
          process_type: 'CUSTOM',
          hostServerId: host.id,
          command_pattern: `procwatch-absent-${randomUUID()}`,
        },
      ])
      .returning('id')
      .execute();
    return { hostId: host.id, running: running!.id, missing: missing!.id };
  }

  it('goes through the agent when it is online and returns the fresh sample', async () => {
    const { hostId, running } = await addHost();
    await using agent = startAgentStandIn({
      db: database.db,
      link: directLink({ db: database.db, commands, store: collector.store, hostId }),
    });
    await agent.ready;
    const checks = service();
    const first = await checks.checkMonitor(running);
    expect(first).toMatchObject({ via: 'agent', hostServerId: hostId, fallback_reason: null });
    const commandsBefore = sshd.commandSessions();
    const second = await checks.checkMonitor(running);
    expect(second.via).toBe('agent');
    expect(second.samples).toHaveLength(1);
    const [sample] = second.samples;
    expect(sample).toMatchObject({
      processMonitorId: running,
      source: 'AGENT',
      status: 'RUNNING',
      pid: target.child.pid,
    });
    // Fresh: a new sample, checked after the previous answer.
    expect(sample!.sample_id).not.toBe(first.samples[0]!.sample_id);
    expect(Date.parse(sample!.checked_at)).toBeGreaterThan(Date.parse(first.samples[0]!.checked_at));
    expect(agent.checksRun).toBe(2);
    expect(sshd.commandSessions()).toBe(commandsBefore);
  });

  it('goes over SSH when the agent is offline, for a monitor and for a whole host', async () => {
    const { hostId, running, missing } = await addHost();
    // Never heard from: offline.
    const one = await service().checkMonitor(running);
    expect(one).toMatchObject({ via: 'ssh', fallback_reason: 'agent_offline' });
    expect(one.samples[0]).toMatchObject({ source: 'SSH', status: 'RUNNING', pid: target.child.pid });
    const all = await service().checkHost(hostId);
    expect(all.via).toBe('ssh');
    expect(all.samples.map((s) => [s.processMonitorId, s.status])).toEqual([
      [running, 'RUNNING'],
      [missing, 'NOT_FOUND'],
    ]);
    const stored = await database.db
      .selectFrom('ProcessStatus')
      .select(['sample_id', 'source'])
      .where('processMonitorId', 'in', [running, missing])
      .execute();
    expect(stored.map((r) => r.source)).toEqual(['SSH', 'SSH', 'SSH']);
    expect(stored.map((r) => r.sample_id)).toContain(one.samples[0]!.sample_id);
  });

  it('falls back to SSH when an online agent does not answer in time', async () => {
    const { hostId, running } = await addHost();
    await database.db
      .updateTable('HostServer')
      .set({ last_heartbeat_at: new Date() })
      .where('id', '=', hostId)
      .execute();
    const result = await service({ agentWaitMs: 1000 }).checkMonitor(running);
    expect(result).toMatchObject({ via: 'ssh', fallback_reason: 'agent_timeout' });
    expect(result.samples[0]!.status).toBe('RUNNING');
  });

  it('says why it cannot check', async () => {
    const { hostId, running } = await addHost(null);
    await expect(service().checkMonitor(running)).rejects.toMatchObject({ code: 'no_check_path' });
    await expect(service({ ssh: false }).checkHost(hostId)).rejects.toMatchObject({ code: 'no_check_path' });
    await expect(service().checkMonitor(2_000_000_000)).rejects.toBeInstanceOf(ManualCheckError);
    await database.db
      .updateTable('ProcessMonitor')
      .set({ active: false })
      .where('id', '=', running)
      .execute();
    await expect(service().checkMonitor(running)).rejects.toMatchObject({ code: 'monitor_inactive' });
    await database.db
      .updateTable('HostServer')
      .set({ last_heartbeat_at: new Date() })
      .where('id', '=', hostId)
      .execute();
    await database.db.updateTable('ProcessMonitor').set({ active: true }).where('id', '=', running).execute();
    await expect(service({ agentWaitMs: 300 }).checkMonitor(running)).rejects.toMatchObject({
      code: 'agent_timeout',
    });
  });

  // PGlite is one process's embedded database: two collectors cannot share it.
  it.skipIf(backend !== 'postgres')(
    'reaches an agent long-polling another collector (PostgreSQL only)',
    async () => {
      const name = `procwatch_mc_${randomBytes(6).toString('hex')}`;
      const admin = async (statement: string) => {
        const client = new pg.Client({ connectionString: testPostgresUrl() });
        await client.connect();
        await client.query(statement).finally(() => client.end());
      };
      await admin(`CREATE DATABASE ${name} TEMPLATE ${inject('postgresTemplateDb')}`);
      const url = new URL(testPostgresUrl());
      url.pathname = `/${name}`;
      const a = await createDatabase({ databaseUrl: url.toString(), poolMax: 4 });
      const b = await createDatabase({ databaseUrl: url.toString(), poolMax: 4 });
      const busOf = (db: typeof a.db) =>
        new DatabaseCommandBus({
          db,
          clock: () => new Date(),
          logger: log,
          notifier: new PgCommandNotifier(url.toString(), log),
        });
      const busA = busOf(a.db);
      const busB = busOf(b.db);
      try {
        const host = await a.db
          .insertInto('HostServer')
          .values({
            name: 'remote-agent',
            address: sshd.host,
            ssh_port: sshd.port,
            heartbeat_timeout_seconds: 30,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const monitor = await a.db
          .insertInto('ProcessMonitor')
          .values({
            name: 'running',
            process_type: 'QUOTE',
            hostServerId: host.id,
            command_pattern: escapeRegExp(target.tag),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        // The agent long-polls collector A and posts its samples there; the request hits collector B.
        const storeA = new SampleStore({
          db: a.db,
          logger: log,
          clock: () => new Date(),
          hooks: {},
          retentionDays: 30,
        });
        const storeB = new SampleStore({
          db: b.db,
          logger: log,
          clock: () => new Date(),
          hooks: {},
          retentionDays: 30,
        });
        await using agent = startAgentStandIn({
          db: a.db,
          link: directLink({ db: a.db, commands: busA, store: storeA, hostId: host.id }),
        });
        await agent.ready;
        const onB = new ManualCheckService({
          db: b.db,
          clock: () => new Date(),
          commands: busB,
          samples: storeB,
          ssh: undefined,
          log,
        });
        const result = await onB.checkMonitor(monitor.id);
        expect(result).toMatchObject({ via: 'agent', fallback_reason: null });
        expect(result.samples[0]).toMatchObject({
          source: 'AGENT',
          status: 'RUNNING',
          pid: target.child.pid,
        });
        expect(agent.checksRun).toBe(1);
      } finally {
        await Promise.all([busA.close(), busB.close()]);
        await Promise.all([a.close(), b.close()]);
        await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
    },
  );
});
