import { readFileSync } from 'node:fs';
import { execPath } from 'node:process';
import type { AgentMonitorSpec, Sample } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../src/checks/scheduler.ts';
import { AgentFileSchema } from '../src/config.ts';
import { ProcLister } from '../src/processes/proc-lister.ts';
import { readSystemConstants } from '../src/processes/system-constants.ts';
import type { RestartAction } from '../src/restart/restart-action.ts';
import { RestartLimiter, type RestartLimits } from '../src/restart/restart-limiter.ts';
import { RestartManager } from '../src/restart/restart-manager.ts';
import { Spool } from '../src/spool/spool.ts';
import { agentConfig } from './support/agent-config.ts';
import { newTag, spawnChild } from './support/children.ts';
import { memoryLogger } from './support/log.ts';
import { monitor } from './support/monitor.ts';
import { waitFor } from './support/poll.ts';
import { tmpDir } from './support/tmp.ts';

const NOT_AN_ANCESTOR = 999_999_999;

/** An action that starts `node -e <script> <tag>` detached (like a service manager would) and exits. */
function launcher(script: string, tag: string): RestartAction {
  const launch = `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(script)}, ${JSON.stringify(tag)}], { detached: true, stdio: 'ignore' }).unref()`;
  return { argv: [execPath, '-e', launch] };
}

/** Kills a process this test started: only one whose command line carries a test tag, never a reused pid. */
function killQuietly(pid: number | null | undefined) {
  if (!pid || pid === process.pid) return;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('procwatch-test-')) return;
    process.kill(pid, 'SIGKILL');
  } catch {}
}

const limits: RestartLimits = {
  maxRestarts: 3,
  windowMs: 10 * 60_000,
  backoffInitialMs: 100,
  backoffMaxMs: 400,
  timeoutMs: 20_000,
};

/** Like {@link launcher}, but the action takes `delayMs` before it starts the process (a slow service start). */
function slowLauncher(script: string, tag: string, delayMs: number): RestartAction {
  const launch = `setTimeout(() => require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(script)}, ${JSON.stringify(tag)}], { detached: true, stdio: 'ignore' }).unref(), ${delayMs})`;
  return { argv: [execPath, '-e', launch] };
}

async function harness(specs: AgentMonitorSpec | AgentMonitorSpec[], actions: Record<string, RestartAction>) {
  const dir = tmpDir();
  const { log, lines } = memoryLogger();
  const samples: Sample[] = [];
  const spool = Spool.open({ dir: dir.path, log });
  const lister = new ProcLister(await readSystemConstants());
  const restarts = new RestartManager({
    actions: new Map(Object.entries(actions)),
    limits,
    log,
    recheck: (id) => scheduler.recheck(id),
  });
  const scheduler = new Scheduler({
    lister,
    spool,
    log,
    restarts,
    totalMemoryBytes: 8 * 1024 ** 3,
    selfPid: NOT_AN_ANCESTOR,
    phaseMs: 0,
    onSamples: (s) => samples.push(...s),
  });
  scheduler.setConfig(agentConfig([specs].flat(), { liveness_interval_ms: 100 }));
  const controller = new AbortController();
  const loop = scheduler.run(controller.signal);
  const events = () => samples.flatMap((s) => s.restart_events ?? []);
  return {
    samples,
    lines,
    events,
    async [Symbol.asyncDispose]() {
      controller.abort();
      await loop;
      await restarts.close();
      spool.close();
      await lister.close();
      for (const s of samples) killQuietly(s.pid);
      dir[Symbol.dispose]();
    },
  };
}

describe('auto-restart with real processes', () => {
  let lister: ProcLister;
  beforeAll(async () => {
    lister = new ProcLister(await readSystemConstants());
  });
  afterAll(async () => {
    await lister.close();
  });

  it('brings a killed process back and records the restart on the next sample', async () => {
    const tag = newTag();
    const child = await spawnChild('idle', tag);
    const spec = monitor({ command_pattern: tag, restart_action: 'md', check_interval: 60 });
    await using h = await harness(spec, { md: launcher('setInterval(() => {}, 1000)', tag) });
    await waitFor(() => h.samples.some((s) => s.status === 'RUNNING' && s.pid === child.pid), {
      what: 'first RUNNING sample',
    });
    await child.kill('SIGKILL');
    const back = await waitFor(
      () => h.samples.find((s) => s.status === 'RUNNING' && s.pid !== child.pid && s.pid !== null),
      { what: 'the restarted process', timeoutMs: 60_000 },
    );
    expect(h.samples.some((s) => s.status === 'NOT_FOUND')).toBe(true);
    const event = await waitFor(() => h.events().find((e) => e.kind === 'RESTARTED'), {
      what: 'the restart event',
    });
    expect(event).toMatchObject({ action: 'md', attempt: 1, message: null });
    expect(h.events()).toHaveLength(1);
    killQuietly(back.pid);
  });

  it('stops restarting a process that dies after every restart, with a limit event, and keeps monitoring', async () => {
    const tag = newTag();
    const spec = monitor({ command_pattern: tag, restart_action: 'flaky', check_interval: 1 });
    await using h = await harness(spec, { flaky: launcher('setTimeout(() => {}, 200)', tag) });
    const limit = await waitFor(() => h.events().find((e) => e.kind === 'RESTART_LIMIT_REACHED'), {
      what: 'the limit event',
      timeoutMs: 60_000,
    });
    expect(limit.message).toContain('restart limit reached');
    expect(limit.attempt).toBe(3);
    const restarted = h.events().filter((e) => e.kind === 'RESTARTED');
    expect(restarted.map((e) => e.attempt)).toEqual([1, 2, 3]);
    // Monitoring goes on: more NOT_FOUND samples arrive, with no further restart.
    const count = h.samples.length;
    await waitFor(() => h.samples.length >= count + 3 && h.samples.at(-1)?.status === 'NOT_FOUND', {
      what: 'samples after the limit',
    });
    expect(h.events().filter((e) => e.kind === 'RESTARTED')).toHaveLength(3);
    expect(h.lines.some((l) => String(l.msg).includes('restart limit reached'))).toBe(true);
  });

  it('restarts a dependency before its dependent, which says it waits', async () => {
    const feedTag = newTag();
    const traderTag = newTag();
    const feedChild = await spawnChild('idle', feedTag);
    const traderChild = await spawnChild('idle', traderTag);
    const feed = monitor({
      name: 'md-feed',
      command_pattern: feedTag,
      restart_action: 'feed',
      check_interval: 60,
    });
    const trader = monitor({
      command_pattern: traderTag,
      restart_action: 'trader',
      check_interval: 60,
      depends_on: [feed.id],
    });
    // The feed takes a second to start, as real services do: restarted together, the trader would come first.
    await using h = await harness([trader, feed], {
      feed: slowLauncher('setInterval(() => {}, 1000)', feedTag, 1000),
      trader: launcher('setInterval(() => {}, 1000)', traderTag),
    });
    const running = (id: number, not: number) =>
      h.samples.find(
        (s) => s.processMonitorId === id && s.status === 'RUNNING' && s.pid !== not && s.pid !== null,
      );
    await waitFor(() => running(feed.id, 0) && running(trader.id, 0), { what: 'both running' });
    await traderChild.kill('SIGKILL');
    await feedChild.kill('SIGKILL');

    const newFeed = await waitFor(() => running(feed.id, feedChild.pid), {
      what: 'feed back',
      timeoutMs: 60_000,
    });
    const newTrader = await waitFor(() => running(trader.id, traderChild.pid), {
      what: 'trader back',
      timeoutMs: 60_000,
    });
    expect(Date.parse(newTrader.start_time ?? '')).toBeGreaterThanOrEqual(
      Date.parse(newFeed.start_time ?? ''),
    );
    const events = (id: number) =>
      h.samples.filter((s) => s.processMonitorId === id).flatMap((s) => s.restart_events ?? []);
    expect(events(feed.id).map((e) => e.kind)).toEqual(['RESTARTED']);
    const traderEvents = events(trader.id);
    expect(traderEvents.map((e) => e.kind)).toEqual(['RESTART_DEFERRED', 'RESTARTED']);
    expect(traderEvents[0]?.message).toBe(
      `waiting for its dependency "md-feed" (#${feed.id}) to be up before restarting`,
    );
    expect(Date.parse(traderEvents[1]!.at)).toBeGreaterThan(Date.parse(events(feed.id)[0]!.at));
    killQuietly(newFeed.pid);
    killQuietly(newTrader.pid);
  });

  it('does not wait for a dependency of another host, nor along a cycle', async () => {
    const tag = newTag();
    const child = await spawnChild('idle', tag);
    const looped = monitor({ command_pattern: newTag(), depends_on: [] });
    const spec = monitor({
      command_pattern: tag,
      restart_action: 'md',
      check_interval: 60,
      // 999999: a monitor of another host. `looped` depends back on this one: a cycle the collector would refuse.
      depends_on: [999_999, looped.id],
    });
    await using h = await harness([spec, { ...looped, depends_on: [spec.id] }], {
      md: launcher('setInterval(() => {}, 1000)', tag),
    });
    await waitFor(() => h.samples.some((s) => s.status === 'RUNNING' && s.pid === child.pid), {
      what: 'first RUNNING sample',
    });
    await child.kill('SIGKILL');
    const back = await waitFor(
      () =>
        h.samples.find(
          (s) =>
            s.processMonitorId === spec.id && s.status === 'RUNNING' && s.pid !== child.pid && s.pid !== null,
        ),
      { what: 'the restarted process', timeoutMs: 60_000 },
    );
    expect(h.events().map((e) => e.kind)).toEqual(['RESTARTED']);
    expect(h.lines.some((l) => String(l.msg).includes('dependency cycle in the config'))).toBe(true);
    killQuietly(back.pid);
  });

  it('reports an action name the host does not define, and runs nothing', async () => {
    const tag = newTag();
    const spec = monitor({ command_pattern: tag, restart_action: 'nope', check_interval: 1 });
    await using h = await harness(spec, {});
    const event = await waitFor(() => h.events()[0], { what: 'the failure event' });
    expect(event).toMatchObject({ kind: 'RESTART_FAILED', action: 'nope' });
    expect(event.message).toContain('no restart action "nope"');
  });
});

describe('restart limiter (pure)', () => {
  it('backs off exponentially, suspends at the limit, lifts after a whole window up', () => {
    const l = new RestartLimiter({ ...limits, backoffInitialMs: 1000, backoffMaxMs: 3000 });
    expect(l.decide(1, 0)).toEqual({ kind: 'run', attempt: 1 });
    l.started(1, 0);
    expect(l.decide(1, 500)).toEqual({ kind: 'wait', untilMs: 1000 });
    expect(l.decide(1, 1000)).toEqual({ kind: 'run', attempt: 2 });
    l.started(1, 1000);
    expect(l.decide(1, 2000)).toEqual({ kind: 'wait', untilMs: 3000 });
    l.started(1, 3000);
    expect(l.decide(1, 4000)).toEqual({ kind: 'limit', first: true, restarts: 3 });
    expect(l.decide(1, 5000)).toEqual({ kind: 'limit', first: false, restarts: 3 });
    // Even after the window the suspension holds until the process has been up a whole window.
    expect(l.decide(1, 11 * 60_000)).toMatchObject({ kind: 'limit', first: false });
    l.up(1, 12 * 60_000);
    l.up(1, 22 * 60_000);
    expect(l.isSuspended(1)).toBe(false);
    expect(l.decide(1, 22 * 60_000 + 1)).toEqual({ kind: 'run', attempt: 1 });
  });
});

describe('restart actions in the agent config', () => {
  it('accepts argv with an absolute program and a systemd unit; refuses anything shell-like', () => {
    const ok = AgentFileSchema.parse({
      restart_actions: {
        md: { argv: ['/usr/local/bin/md', '--restart'] },
        gw: { systemd_unit: 'gw@1.service' },
      },
    });
    expect(ok.restart_limits.max_restarts).toBe(3);
    for (const bad of [
      { x: { argv: ['md'] } },
      { x: { systemd_unit: 'gw.service; rm -rf /' } },
      { x: { systemd_unit: '--now' } },
      { 'bad name': { argv: ['/bin/true'] } },
      { x: { argv: ['/bin/true'], systemd_unit: 'a.service' } },
    ]) {
      expect(AgentFileSchema.safeParse({ restart_actions: bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
