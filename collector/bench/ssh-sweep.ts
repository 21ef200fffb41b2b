/**
 * SSH sweep benchmark: 200 silent hosts (HostServer rows aliasing one real sshd on loopback), swept
 * by the SshSweeper (claim, check, store through the SampleStore into PostgreSQL) with pooled
 * connections, against the same sweep opening a fresh connection per host check.
 * Also: the manual-check API's agent path latency (check_now through the command table, fresh
 * sample back), with an agent stand-in that answers with a real local check.
 *
 *   npx tsx collector/bench/ssh-sweep.ts [--hosts 200] [--sweeps 5] [--concurrency 32] [--url postgres://…/postgres]
 *
 * Goals: pooled ≥ 10× faster than fresh connections; 200 hosts swept in ≤ 10 s; manual check via the
 * agent < 2 s.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_COMPILED_CALENDAR } from '@procwatch/shared';
import pg from 'pg';
import { ManualCheckService } from '../src/checks/manual-check.ts';
import { DatabaseCommandBus } from '../src/commands/command-bus.ts';
import { LocalCommandNotifier } from '../src/commands/command-notifier.ts';
import { createDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { SampleStore } from '../src/ingest/store-samples.ts';
import { createLogger } from '../src/logger.ts';
import { CpuHistory } from '../src/ssh/cpu-usage.ts';
import { CPU_SAMPLE_INTERVAL_S } from '../src/ssh/remote-command.ts';
import { checkHostOverSsh } from '../src/ssh/ssh-checker.ts';
import { SshPool } from '../src/ssh/ssh-pool.ts';
import { SshSweeper } from '../src/ssh/sweep-job.ts';
import { directLink, startAgentStandIn } from '../test/ssh/ssh-harness.ts';
import { startSshd } from '../test/support/sshd.ts';

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '200' },
    sweeps: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    url: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const hostCount = Number(args.hosts);
const sweeps = Number(args.sweeps);
const concurrency = Number(args.concurrency);
for (const [name, v] of Object.entries({ hostCount, sweeps, concurrency })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
}

const log = createLogger('silent');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const sshd = await startSshd({ isolatedProcesses: true });
const admin = new pg.Client({ connectionString: args.url });
admin.on('error', (error) => console.error(`admin connection: ${error.message}`));
await admin.connect();
const scratch = `procwatch_bench_ssh_${randomBytes(4).toString('hex')}`;
await admin.query(`CREATE DATABASE ${scratch}`);
const url = new URL(args.url);
url.pathname = `/${scratch}`;
const database = await createDatabase({ databaseUrl: url.toString(), poolMax: 10 });

try {
  const db = database.db;
  await migrateToLatest(db);
  const hosts = await db
    .insertInto('HostServer')
    .values(
      Array.from({ length: hostCount }, (_, i) => ({
        name: `bench-${i}`,
        address: sshd.host,
        ssh_port: sshd.port,
        ssh_user: sshd.user,
        ssh_host_key: sshd.hostKey.fingerprint,
        last_heartbeat_at: null,
      })),
    )
    .returning('id')
    .execute();
  await db
    .insertInto('ProcessMonitor')
    .values(
      hosts.map((h) => ({
        name: 'quote',
        process_type: 'QUOTE' as const,
        hostServerId: h.id,
        // The sshd listener: running on every "host" (the sshd lives in a PID namespace of its own).
        command_pattern: '\\[listener\\]',
        check_interval: 30,
      })),
    )
    .execute();

  let now = new Date();
  const clock = () => now;
  const store = new SampleStore({ db, logger: log, clock, hooks: {}, retentionDays: 30 });
  const privateKey = readFileSync(sshd.clientKey.privateKeyFile);

  const runSweeps = async (reuse: boolean) => {
    const pool = new SshPool({
      auth: { privateKey },
      concurrency,
      connectTimeoutMs: 60_000,
      keepaliveIntervalMs: 15_000,
      idleTimeoutMs: 600_000,
      maxChannelsPerConnection: 8,
      reuse,
    });
    const sweeper = new SshSweeper({
      db,
      checker: {
        db,
        pool,
        defaultUser: sshd.user,
        calendar: DEFAULT_COMPILED_CALENDAR,
        commandTimeoutMs: 60_000,
        log,
        now: clock,
        cpuHistory: new CpuHistory(),
      },
      samples: store,
      log,
      clock,
      pollMs: 1000,
      minIntervalMs: 1000,
      maxInFlight: hostCount,
    });
    const times: number[] = [];
    const cpuMs: number[] = [];
    try {
      for (let i = 0; i < sweeps + (reuse ? 1 : 0); i++) {
        now = new Date(now.getTime() + 31_000);
        const started = performance.now();
        const cpu = process.cpuUsage();
        const summary = await sweeper.runOnce(now);
        const ms = performance.now() - started;
        const used = process.cpuUsage(cpu);
        cpuMs.push((used.user + used.system) / 1000);
        if (summary.hostsChecked !== hostCount) {
          console.log(
            `  sweep ${i + 1}: ${summary.hostsFailed} of ${hostCount} hosts failed: ${summary.errors.join('; ')}`,
          );
        }
        times.push(ms);
      }
      return { times, cpuMs, connects: pool.stats.connectsStarted };
    } finally {
      await pool.close();
    }
  };

  console.log(
    `${hostCount} hosts (HostServer rows → one sshd on 127.0.0.1 in its own PID namespace), 1 monitor each; ` +
      `concurrency ${concurrency}; ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)}. The first ` +
      `check of a host samples CPU within the command (${CPU_SAMPLE_INTERVAL_S} s); later ones measure since the last.`,
  );
  // One host, one check at a time: what a connection costs beside the check itself.
  const sequential = async (reuse: boolean, n: number) => {
    const pool = new SshPool({
      auth: { privateKey },
      concurrency: 1,
      connectTimeoutMs: 60_000,
      keepaliveIntervalMs: 15_000,
      idleTimeoutMs: 600_000,
      maxChannelsPerConnection: 8,
      reuse,
    });
    const deps = {
      db,
      pool,
      defaultUser: sshd.user,
      calendar: DEFAULT_COMPILED_CALENDAR,
      commandTimeoutMs: 60_000,
      log,
      cpuHistory: new CpuHistory(),
    };
    const host = await db
      .selectFrom('HostServer')
      .selectAll()
      .where('id', '=', hosts[0]!.id)
      .executeTakeFirstOrThrow();
    const monitors = await db
      .selectFrom('ProcessMonitor')
      .selectAll()
      .where('hostServerId', '=', host.id)
      .execute();
    try {
      await checkHostOverSsh(deps, host, monitors);
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const started = performance.now();
        const result = await checkHostOverSsh(deps, host, monitors);
        times.push(performance.now() - started);
        if (result.error) throw result.error;
      }
      return median(times);
    } finally {
      await pool.close();
    }
  };
  const onePooled = await sequential(true, 20);
  const oneFresh = await sequential(false, 20);
  console.log(
    `one host, sequential: pooled ${onePooled.toFixed(0)} ms per check, fresh connection ${oneFresh.toFixed(0)} ms ` +
      `(${(oneFresh / onePooled).toFixed(1)}×; connect + authenticate ≈ ${(oneFresh - onePooled).toFixed(0)} ms)`,
  );

  const pooled = await runSweeps(true);
  const [cold, ...warm] = pooled.times;
  console.log(
    `pooled:  first sweep (connects ${hostCount}) ${seconds(cold!)}; then per sweep median ${seconds(median(warm))} ` +
      `(${warm.map(seconds).join(', ')}); collector CPU per sweep ${seconds(median(pooled.cpuMs.slice(1)))}; ` +
      `connections opened ${pooled.connects}`,
  );
  const fresh = await runSweeps(false);
  console.log(
    `fresh:   per sweep median ${seconds(median(fresh.times))} (${fresh.times.map(seconds).join(', ')}); ` +
      `collector CPU per sweep ${seconds(median(fresh.cpuMs.slice(1)))}; connections opened ${fresh.connects}`,
  );
  const ratio = median(fresh.times) / median(warm);
  const cpuRatio = median(fresh.cpuMs.slice(1)) / median(pooled.cpuMs.slice(1));
  console.log(
    `ratio fresh/pooled: ${ratio.toFixed(1)}× wall, ${cpuRatio.toFixed(1)}× collector CPU (goal ≥ 10×); ` +
      `pooled sweep of ${hostCount} hosts ${seconds(median(warm))} (goal ≤ 10 s)`,
  );
  console.log(
    '  (every "host" here is the same machine: its sshd sessions and the fixed command of all 200 hosts ' +
      'share these CPUs, where a real fleet runs them on 200 machines in parallel)',
  );

  // Manual check through the agent: check_now → stand-in agent's local check → fresh sample back.
  const agentHost = hosts[0]!.id;
  const monitor = await db
    .selectFrom('ProcessMonitor')
    .select('id')
    .where('hostServerId', '=', agentHost)
    .executeTakeFirstOrThrow();
  const commands = new DatabaseCommandBus({
    db,
    clock: () => new Date(),
    logger: log,
    notifier: new LocalCommandNotifier(),
  });
  const realStore = new SampleStore({
    db,
    logger: log,
    clock: () => new Date(),
    hooks: {},
    retentionDays: 30,
  });
  await db.deleteFrom('ProcessCurrentStatus').execute();
  {
    await using agent = startAgentStandIn({
      db,
      link: directLink({ db, commands, store: realStore, hostId: agentHost }),
    });
    await agent.ready;
    const checks = new ManualCheckService({
      db,
      clock: () => new Date(),
      commands,
      samples: realStore,
      ssh: undefined,
      log,
    });
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const result = await checks.checkMonitor(monitor.id);
      latencies.push(performance.now() - started);
      if (result.via !== 'agent') throw new Error('expected the agent path');
    }
    console.log(
      `manual check via agent: median ${seconds(median(latencies))}, max ${seconds(Math.max(...latencies))} ` +
        `(goal < 2 s)`,
    );
  }
  await commands.close();
} finally {
  await database.close();
  await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  await admin.end();
  await sshd.close();
}
