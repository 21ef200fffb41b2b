// Agent benchmark (printed, not asserted). With 1,000 extra idle processes and 50 monitors
// (60 s check interval, 1 s liveness watch) it prints: CPU per full scan for both listers, CPU per
// liveness tick, the agent daemon's steady CPU as % of one core over a window, its peak RSS, and
// kill → sample received latency against a local receiver speaking the agent protocol.
//
//   npx tsx agent/bench/agent-bench.ts [--window-s 120] [--extra 1000] [--kills 5]
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { ProcLister } from '../src/processes/proc-lister.ts';
import type { ProcessLister } from '../src/processes/process-lister.ts';
import { PsListLister } from '../src/processes/ps-list-lister.ts';
import { readSystemConstants } from '../src/processes/system-constants.ts';
import { agentConfig } from '../test/support/agent-config.ts';
import { monitor } from '../test/support/monitor.ts';
import { waitFor } from '../test/support/poll.ts';
import { TestReceiver } from '../test/support/receiver.ts';

const { values } = parseArgs({
  options: {
    'window-s': { type: 'string', default: '120' },
    extra: { type: 'string', default: '1000' },
    kills: { type: 'string', default: '5' },
    'log-level': { type: 'string', default: 'info' },
  },
});
const WINDOW_S = Number(values['window-s']);
const EXTRA = Number(values.extra);
const KILLS = Number(values.kills);
const LOG_LEVEL = values['log-level'];
const MONITORS = 50;
const CLK_TCK = 100;

const children: ChildProcess[] = [];
function spawnSleep(seconds: string): ChildProcess {
  const child = spawn('sleep', [seconds], { stdio: 'ignore' });
  children.push(child);
  return child;
}
function cleanup(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

/** utime+stime and cutime+cstime (reaped children) of a pid, ms. */
function cpuMs(pid: number | 'self'): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const t = (i: number) => (Number(f[i]) * 1000) / CLK_TCK;
  return { own: t(11) + t(12), children: t(13) + t(14) };
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

const fmt = (n: number, d = 1) => n.toFixed(d);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function measureScans(name: string, lister: ProcessLister, options: { exe: boolean }, rounds: number) {
  await lister.list(options); // warm-up
  const cpu: number[] = [];
  const wall: number[] = [];
  let count = 0;
  for (let i = 0; i < rounds; i++) {
    const before = process.cpuUsage();
    const childrenBefore = cpuMs('self').children;
    const t0 = performance.now();
    const entries = await lister.list(options);
    wall.push(performance.now() - t0);
    const used = process.cpuUsage(before);
    // ps-list's cost is mostly in its `ps` children: count their CPU too.
    cpu.push((used.user + used.system) / 1000 + (cpuMs('self').children - childrenBefore));
    count = entries.length;
  }
  console.log(
    `  ${name.padEnd(28)} ${String(count).padStart(6)} procs  CPU/scan median ${fmt(median(cpu)).padStart(6)} ms` +
      `  wall median ${fmt(median(wall)).padStart(6)} ms`,
  );
  return median(cpu);
}

interface DaemonRun {
  flags: string[];
  cpuPercent: number;
  peakRssMb: number;
  latencies: number[];
}

async function runDaemon(
  bundle: string,
  work: string,
  monitors: ReturnType<typeof monitor>[],
  targets: ChildProcess[],
  flags: string[],
): Promise<DaemonRun> {
  console.log(`\ndaemon (the esbuild bundle) under node ${flags.join(' ') || '(no flags)'}:`);
  await using receiver = await new TestReceiver(
    agentConfig(monitors, {
      heartbeat_interval_s: 15,
      config_refresh_s: 60,
      liveness_interval_ms: 1000,
      batch_max_delay_ms: 1000,
    }),
  ).start();
  // As the collector does: hold the commands long-poll for 30 s.
  receiver.commandHoldMs = 30_000;
  const stateDir = mkdtempSync(join(work, 'state-'));
  const configPath = join(stateDir, 'agent.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      collector: { urls: [receiver.url], token: receiver.token },
      state_dir: stateDir,
      log_level: LOG_LEVEL,
    }),
  );
  const logFd = openSync(join(stateDir, 'agent.log'), 'a');
  const agent = spawn(process.execPath, [...flags, bundle, 'run', '--config', configPath], {
    stdio: ['ignore', logFd, 'inherit'],
  });
  closeSync(logFd);
  children.push(agent);
  const agentPid = agent.pid!;
  await waitFor(() => receiver.samples.length >= MONITORS, { timeoutMs: 60_000, what: 'the first check' });
  const firstCheck = receiver.samples.slice(0, MONITORS);
  console.log(
    `  first check: ${firstCheck.filter((s) => s.status === 'RUNNING').length}/${MONITORS} RUNNING, ` +
      `check_duration_ms ${firstCheck[0]?.check_duration_ms}, RSS now ${fmt(statusKb(agentPid, 'VmRSS') / 1024)} MB`,
  );
  // Let start-up (module loading, JIT) settle before the window.
  await new Promise((r) => setTimeout(r, 15_000));
  const samplesBefore = receiver.samples.length;
  const beatsBefore = receiver.heartbeats.length;
  const c0 = cpuMs(agentPid);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  const c1 = cpuMs(agentPid);
  const elapsed = Date.now() - t0;
  const cpuUsed = c1.own + c1.children - (c0.own + c0.children);
  const scans = Math.round((receiver.samples.length - samplesBefore) / MONITORS);
  const cpuPercent = (cpuUsed / elapsed) * 100;
  console.log(
    `  steady CPU over ${fmt(elapsed / 1000, 0)} s: ${fmt(cpuUsed, 0)} ms = ${fmt(cpuPercent, 3)} % of one core` +
      ` (${scans} full checks of ${MONITORS} monitors, ~${fmt(elapsed / 1000, 0)} liveness ticks, ` +
      `${receiver.heartbeats.length - beatsBefore} heartbeats)`,
  );
  const latencies: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    await new Promise((r) => setTimeout(r, 1000 + Math.random() * 1000));
    const m = monitors[k];
    const target = targets[k];
    if (!target || !m) break;
    const killedAt = Date.now();
    target.kill('SIGKILL');
    const sample = await waitFor(
      () =>
        receiver.samples.find(
          (s) =>
            s.processMonitorId === m.id &&
            s.status !== 'RUNNING' &&
            Date.parse(s.checked_at) >= killedAt - 1000,
        ),
      { timeoutMs: 30_000, what: 'the sample after the kill' },
    ).catch((error) => {
      console.error(readFileSync(join(stateDir, 'agent.log'), 'utf8').split('\n').slice(-30).join('\n'));
      throw error;
    });
    latencies.push(sample.receivedAtMs - killedAt);
    // The same program again, for the next run.
    targets[k] = spawnSleep(`40${String(k).padStart(3, '0')}`);
  }
  console.log(
    `  kill → sample received: ${latencies.map((l) => `${l} ms`).join(', ')} (median ${median(latencies)} ms, max ${Math.max(...latencies)} ms)`,
  );
  const peakRssMb = statusKb(agentPid, 'VmHWM') / 1024;
  console.log(
    `  peak RSS (VmHWM) ${fmt(peakRssMb)} MB, RSS now ${fmt(statusKb(agentPid, 'VmRSS') / 1024)} MB`,
  );
  const stopped = Date.now();
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  console.log(`  SIGTERM → exit ${Date.now() - stopped} ms`);
  return { flags, cpuPercent, peakRssMb, latencies };
}

async function main(): Promise<void> {
  console.log(`procwatch agent benchmark: ${EXTRA} extra idle processes, ${MONITORS} monitors`);
  console.log(
    `node ${process.version}, ${(await import('node:os')).cpus().length} cores, load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
  );
  for (let i = 0; i < EXTRA; i++) spawnSleep('3600');
  const targets = Array.from({ length: MONITORS }, (_, i) => spawnSleep(`40${String(i).padStart(3, '0')}`));
  await waitFor(
    () =>
      targets.every((t) => {
        try {
          return readFileSync(`/proc/${t.pid}/cmdline`, 'utf8').startsWith('sleep');
        } catch {
          return false;
        }
      }),
    { timeoutMs: 120_000, what: 'the processes to start' },
  );
  console.log(`processes on the host: ${readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length}\n`);

  console.log('full scan (one list of every process):');
  const proc = new ProcLister(await readSystemConstants());
  const procCpu = await measureScans('proc (stat+cmdline)', proc, { exe: false }, 20);
  const procExeCpu = await measureScans('proc (stat+cmdline+exe)', proc, { exe: true }, 20);
  const psList = new PsListLister();
  const psCpu = await measureScans('ps-list', psList, { exe: false }, 10);
  console.log(
    `  → the agent uses the /proc reader on Linux (${fmt(psCpu / procExeCpu)}× cheaper than ps-list)\n`,
  );

  console.log('liveness tick (re-read /proc/<pid>/stat of the 50 primaries):');
  const pids = targets.map((t) => t.pid!);
  const ticks = 2000;
  const before = process.cpuUsage();
  for (let i = 0; i < ticks; i++) await proc.probe(pids);
  const used = process.cpuUsage(before);
  const perTick = (used.user + used.system) / 1000 / ticks;
  console.log(`  CPU per tick ${fmt(perTick, 3)} ms (${ticks} ticks)\n`);

  // The daemon as hosts run it: the esbuild bundle under plain node.
  const work = mkdtempSync(join(tmpdir(), 'procwatch-bench-'));
  const bundle = join(work, 'procwatch-agent.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('../src/main.ts', import.meta.url))],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  const monitors = targets.map((_t, i) =>
    monitor({
      id: i + 1,
      name: `m${i}`,
      command_pattern: `^sleep 40${String(i).padStart(3, '0')}$`,
      check_interval: 60,
    }),
  );
  const runs: DaemonRun[] = [];
  for (const flags of [[], ['--max-semi-space-size=1', '--optimize-for-size']]) {
    runs.push(await runDaemon(bundle, work, monitors, targets, flags));
  }
  await proc.close();
  await psList.close();
  rmSync(work, { recursive: true, force: true });

  console.log('\nsummary');
  console.log(
    `  CPU per full scan: proc ${fmt(procCpu)} ms (with exe ${fmt(procExeCpu)} ms), ps-list ${fmt(psCpu)} ms`,
  );
  console.log(`  CPU per liveness tick: ${fmt(perTick, 3)} ms`);
  for (const r of runs) {
    console.log(`  daemon ${r.flags.length ? `node ${r.flags.join(' ')}` : 'plain node'}:`);
    console.log(`    steady CPU ${fmt(r.cpuPercent, 3)} % of one core (goal ≤ 0.7 %)`);
    console.log(`    peak RSS ${fmt(r.peakRssMb)} MB (goal ≤ 80 MB)`);
    console.log(
      `    kill → received max ${Math.max(...r.latencies)} ms, median ${median(r.latencies)} ms (goal ≤ 2000 ms)`,
    );
  }
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanup);
