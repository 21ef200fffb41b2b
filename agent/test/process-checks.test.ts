import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentMonitorSpec } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/checks/check-runner.ts';
import { CpuMeter } from '../src/checks/cpu-meter.ts';
import { ProcLister } from '../src/processes/proc-lister.ts';
import type { ProcessLister } from '../src/processes/process-lister.ts';
import { PsListLister } from '../src/processes/ps-list-lister.ts';
import { readSystemConstants } from '../src/processes/system-constants.ts';
import { spawnChild } from './support/children.ts';
import { monitor } from './support/monitor.ts';
import { waitFor } from './support/poll.ts';
import { tmpDir } from './support/tmp.ts';

// The test process spawns the children, so it must not pose as the checker here (its descendants
// are never matched); pid 1 is never an ancestor that matters.
const NOT_AN_ANCESTOR = 999_999_999;

async function checkOnce(
  lister: ProcessLister,
  spec: AgentMonitorSpec,
  options: { selfPid?: number; meter?: CpuMeter } = {},
) {
  const run = await runChecks([spec], {
    lister,
    cpuMeter: options.meter ?? new CpuMeter(),
    selfPid: options.selfPid ?? NOT_AN_ANCESTOR,
    firstReadingDelayMs: 300,
  });
  const check = run.checks[0];
  if (!check) throw new Error('no check');
  return { ...check.result, usage: check.usage, checkedAt: check.checkedAt };
}

/** Start time of a pid as ps prints it (independent of our /proc arithmetic), to 1 s. */
function kernelStartMs(pid: number): number {
  const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return btime * 1000 + Number(fields[19]) * 10;
}

const listers: [string, () => Promise<ProcessLister>][] = [
  ['proc', async () => new ProcLister(await readSystemConstants())],
  ['ps-list', async () => new PsListLister()],
];

describe.each(listers)('%s lister', (kind, create) => {
  let lister: ProcessLister;
  beforeAll(async () => {
    lister = await create();
  });
  afterAll(async () => {
    await lister.close();
  });

  it('reports RUNNING with the right pid, start time and uptime', async () => {
    await using child = await spawnChild('idle');
    const r = await checkOnce(lister, monitor({ command_pattern: child.tag }));
    expect(r.status).toBe('RUNNING');
    expect(r.processCount).toBe(1);
    expect(r.primary?.pid).toBe(child.pid);
    const start = r.primary?.startTime.getTime() ?? 0;
    expect(Math.abs(start - kernelStartMs(child.pid))).toBeLessThanOrEqual(1500);
    expect(start).toBeLessThanOrEqual(r.checkedAt.getTime() + 1000);
    expect(r.checkedAt.getTime() - start).toBeLessThan(60_000);
    expect(r.usage.get(child.pid)?.rssBytes).toBeGreaterThan(1024 * 1024);
  });

  it('reports NOT_FOUND once the process is killed', async () => {
    const child = await spawnChild('idle');
    const spec = monitor({ command_pattern: child.tag });
    expect((await checkOnce(lister, spec)).status).toBe('RUNNING');
    await child.kill('SIGKILL');
    expect(await checkOnce(lister, spec)).toMatchObject({
      status: 'NOT_FOUND',
      primary: null,
      processCount: 0,
    });
  });

  it('probes a process that is gone as absent, even when every probed process is gone', async () => {
    const child = await spawnChild('idle');
    await using alive = await spawnChild('idle');
    await child.kill('SIGKILL');
    expect([...(await lister.probe([child.pid])).keys()]).toEqual([]);
    expect([...(await lister.probe([child.pid, alive.pid])).keys()]).toEqual([alive.pid]);
  });

  it('gives a restarted process under the same pattern a new identity', async () => {
    const first = await spawnChild('idle');
    const spec = monitor({ command_pattern: first.tag });
    const before = (await checkOnce(lister, spec)).primary;
    await first.kill();
    await using second = await spawnChild('idle', first.tag);
    const after = (await checkOnce(lister, spec)).primary;
    expect(after?.pid).toBe(second.pid);
    expect(
      before &&
        after &&
        (before.pid !== after.pid || before.startTime.getTime() !== after.startTime.getTime()),
    ).toBe(true);
  });

  it('never matches the checker or its descendants', async () => {
    await using child = await spawnChild('idle');
    const spec = monitor({ command_pattern: child.tag });
    // The test process is the child's parent: as the checker, its child is not matched.
    expect((await checkOnce(lister, spec, { selfPid: process.pid })).status).toBe('NOT_FOUND');
    expect((await checkOnce(lister, spec)).status).toBe('RUNNING');
    // A pattern for the checker's own command line does not find the checker either.
    const own = readFileSync('/proc/self/cmdline', 'utf8').split('\0').filter(Boolean).join(' ');
    const mine = await checkOnce(
      lister,
      monitor({ command_pattern: own.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') }),
      {
        selfPid: process.pid,
      },
    );
    expect(mine.matches.map((m) => m.pid)).not.toContain(process.pid);
  });

  it('marks a stale PID file (dead pid) STOPPED', async () => {
    using dir = tmpDir();
    const child = await spawnChild('idle');
    const pidFile = join(dir.path, 'app.pid');
    writeFileSync(pidFile, `${child.pid}\n`);
    const spec = monitor({ pid_file: pidFile });
    expect((await checkOnce(lister, spec)).status).toBe('RUNNING');
    await child.kill();
    const r = await checkOnce(lister, spec);
    expect(r.status).toBe('STOPPED');
    expect(r.message).toMatch(/stale PID file/);
  });

  it('does not report RUNNING for a PID file whose pid now runs another program', async () => {
    using dir = tmpDir();
    await using app = await spawnChild('idle');
    await using other = await spawnChild('idle');
    const pidFile = join(dir.path, 'app.pid');
    // The file names `other`'s pid, while the monitor describes `app`.
    writeFileSync(pidFile, `${other.pid}\n`);
    const r = await checkOnce(lister, monitor({ pid_file: pidFile, command_pattern: app.tag }));
    expect(r.status).toBe('STOPPED');
    expect(r.message).toMatch(/another program/);
    // Only a PID file, written before the process started: the pid was recycled.
    writeFileSync(pidFile, `${app.pid}\n`);
    const past = new Date(Date.now() - 3600_000);
    utimesSync(pidFile, past, past);
    const reused = await checkOnce(lister, monitor({ pid_file: pidFile }));
    expect(reused.status).toBe('STOPPED');
    expect(reused.message).toMatch(/reused/);
  });

  it.skipIf(kind === 'ps-list')(
    'reports STOPPED for a SIGSTOPped process, RUNNING after SIGCONT',
    async () => {
      await using child = await spawnChild('idle');
      const spec = monitor({ command_pattern: child.tag });
      process.kill(child.pid, 'SIGSTOP');
      await waitFor(() => readFileSync(`/proc/${child.pid}/stat`, 'utf8').includes(') T '), {
        what: 'state T',
      });
      const stopped = await checkOnce(lister, spec);
      expect(stopped.status).toBe('STOPPED');
      expect(stopped.primary?.pid).toBe(child.pid);
      process.kill(child.pid, 'SIGCONT');
      await waitFor(async () => (await checkOnce(lister, spec)).status === 'RUNNING', {
        what: 'RUNNING again',
      });
    },
  );
});

describe('CPU % over an interval', () => {
  let lister: ProcessLister;
  beforeAll(async () => {
    lister = new ProcLister(await readSystemConstants());
  });

  it('reads >= 50 % for a busy loop and < 5 % for an idle process, already on the first check', async () => {
    await using busy = await spawnChild('busy');
    await using idle = await spawnChild('idle');
    const spec = monitor({ command_pattern: `${busy.tag}|${idle.tag}` });
    const meter = new CpuMeter();
    // A loaded 2-core machine may starve the loop for a moment: wait for one interval that shows it.
    const busyCpu = await waitFor(
      async () => {
        const cpu = (await checkOnce(lister, spec, { meter })).usage.get(busy.pid)?.cpuPercent;
        return cpu !== null && cpu !== undefined && cpu >= 50 ? cpu : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'busy child >= 50 % CPU' },
    );
    expect(busyCpu).toBeGreaterThanOrEqual(50);
    const idleCpu = await waitFor(
      async () => {
        const cpu = (await checkOnce(lister, spec, { meter })).usage.get(idle.pid)?.cpuPercent;
        return cpu !== null && cpu !== undefined && cpu < 5 ? cpu : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'idle child < 5 % CPU' },
    );
    expect(idleCpu).toBeLessThan(5);
  });

  it('never reports a reading for a first check without an interval', async () => {
    await using idle = await spawnChild('idle');
    const r = await checkOnce(lister, monitor({ command_pattern: idle.tag }));
    expect(r.usage.get(idle.pid)?.cpuPercent).not.toBeNull();
  });
});
