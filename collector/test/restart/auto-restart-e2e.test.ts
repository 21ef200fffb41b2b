import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessEvent } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../support/test-database.ts';
import { waitFor } from '../warnings/fixtures.ts';
import { type LiveStack, startLiveStack } from '../warnings/live-stack.ts';

// Auto-restart end to end: a real agent with restart actions in its own config file, real target
// processes killed by the test, the real collector storing the events and judging the warnings.

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const AGENT_BIN = join(ROOT, 'agent/bin/procwatch-agent.js');

/** argv that starts `node -e <script> <tag>` detached (as a service manager would) and exits. */
function launcherArgv(script: string, tag: string): string[] {
  const launch = `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(script)}, ${JSON.stringify(tag)}], { detached: true, stdio: 'ignore' }).unref()`;
  return [process.execPath, '-e', launch];
}

/** Pids of our own processes carrying the tag in argv. */
function pidsWithTag(tag: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv.includes(tag) && !argv.some((a) => a.includes('child_process'))) pids.push(Number(name));
    } catch {}
  }
  return pids;
}

function killTagged(tag: string) {
  for (const pid of pidsWithTag(tag)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

describe('auto-restart end to end with a real agent', () => {
  let stack: LiveStack;
  let token: string;
  let hostId: number;
  let agent: ChildProcess;
  const dir = mkdtempSync(join(tmpdir(), 'procwatch-restart-'));
  const steady = `pwsteady${randomBytes(5).toString('hex')}`;
  const flaky = `pwflaky${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    stack = await startLiveStack({ database: await openTestDatabase('pglite') });
    const host = await stack.createHost();
    token = host.agent_token;
    hostId = host.id;
  });
  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent.once('exit', r));
      agent.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 6000))]);
    }
    await stack?.close();
    killTagged(steady);
    killTagged(flaky);
    rmSync(dir, { recursive: true, force: true });
  });

  const eventsOf = async (monitorId: number) => {
    const res = await stack.admin('GET', `/api/v1/monitors/${monitorId}/events`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: ProcessEvent[] }).items;
  };
  const warningsOf = async (monitorId: number) => {
    const res = await stack.admin('GET', `/api/v1/warnings?processMonitorId=${monitorId}`);
    return ((await res.json()) as { items: { id: number; type: string; status: string; message: string }[] })
      .items;
  };

  it('restarts a killed process, records the event, says "restarted by procwatch"; a crash loop hits the limit', async () => {
    const [node, ...launchArgs] = launcherArgv('setInterval(() => {}, 1 << 30)', steady);
    spawn(node!, launchArgs, { stdio: 'ignore' });
    await waitFor(() => pidsWithTag(steady).length === 1 || undefined, 30_000, 'the target');
    const m1 = await stack.createMonitor(hostId, { command_pattern: steady, restart_action: 'steady' });
    const m2 = await stack.createMonitor(hostId, {
      command_pattern: flaky,
      restart_action: 'flaky',
      check_interval: 1,
    });
    expect(m1.restart_action).toBe('steady');

    const configPath = join(dir, 'agent.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        collector: { urls: [stack.collector.url], token },
        state_dir: dir,
        log_level: 'warn',
        restart_actions: {
          steady: { argv: launcherArgv('setInterval(() => {}, 1 << 30)', steady) },
          flaky: { argv: launcherArgv('setTimeout(() => {}, 200)', flaky) },
        },
        restart_limits: { max_restarts: 3, window_minutes: 10, backoff_initial_ms: 100, backoff_max_ms: 400 },
      }),
    );
    agent = spawn(process.execPath, [AGENT_BIN, 'run', '--config', configPath], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });

    const first = pidsWithTag(steady)[0]!;
    await waitFor(
      async () => {
        const res = await stack.admin('GET', `/api/v1/status?hostServerId=${hostId}`);
        const body = (await res.json()) as { items: { processMonitorId: number; pid: number | null }[] };
        return body.items.find((i) => i.processMonitorId === m1.id)?.pid === first || undefined;
      },
      60_000,
      'the first target RUNNING',
    );
    process.kill(first, 'SIGKILL');
    const restarted = await waitFor(
      async () => (await eventsOf(m1.id)).find((e) => e.kind === 'RESTARTED'),
      60_000,
      'the restart event',
    );
    expect(restarted).toMatchObject({ action: 'steady', attempt: 1, processMonitorId: m1.id });
    await waitFor(
      () => pidsWithTag(steady).some((p) => p !== first) || undefined,
      30_000,
      'the restarted target',
    );
    const crashed = await waitFor(
      async () =>
        (await warningsOf(m1.id)).find(
          (w) => w.type === 'PROCESS_CRASHED' && w.message.includes('Restarted by procwatch'),
        ),
      60_000,
      'the CRASHED warning saying restarted by procwatch',
    );
    expect(crashed.message).toContain('action "steady"');

    const limit = await waitFor(
      async () => (await eventsOf(m2.id)).find((e) => e.kind === 'RESTART_LIMIT_REACHED'),
      90_000,
      'the limit event',
    );
    expect(limit.attempt).toBe(3);
    expect((await eventsOf(m2.id)).filter((e) => e.kind === 'RESTARTED')).toHaveLength(3);
    await waitFor(
      async () => (await warningsOf(m2.id)).find((w) => w.message.includes('restart limit reached')),
      60_000,
      'a warning saying restart limit reached',
    );
  });

  it('stores an event once however often its sample is sent, and never for a batch it refuses', async () => {
    const m = await stack.createMonitor(hostId, { command_pattern: 'nothing-here-xyz', restart_action: 'x' });
    const event = {
      event_id: randomUUID(),
      kind: 'RESTARTED',
      action: 'x',
      attempt: 1,
      at: new Date().toISOString(),
      duration_ms: 12,
      message: null,
    };
    const sample = (extra: Record<string, unknown> = {}) => ({
      sample_id: randomUUID(),
      seq: 1,
      processMonitorId: m.id,
      status: 'RUNNING',
      pid: 4242,
      cpu_percent: 1,
      memory_percent: 1,
      memory_used_mb: 10,
      uptime_seconds: 1,
      start_time: new Date().toISOString(),
      trade_day: '20261130',
      checked_at: new Date().toISOString(),
      check_duration_ms: 1,
      error_message: null,
      process_count: 1,
      restart_events: [event],
      ...extra,
    });
    const post = (samples: unknown[]) =>
      fetch(`${stack.collector.url}/agent/v1/samples`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ protocol: 1, samples }),
      });
    const s = sample();
    expect((await post([s])).status).toBe(200);
    expect((await post([s])).status).toBe(200);
    expect((await eventsOf(m.id)).filter((e) => e.event_id === event.event_id)).toHaveLength(1);

    // A batch naming a monitor of another host is refused whole: its events are not stored either.
    const other = await stack.createHost();
    const foreign = await stack.createMonitor(other.id, { command_pattern: 'x' });
    const stray = { ...event, event_id: randomUUID() };
    const refused = await post([
      sample({ restart_events: [stray] }),
      sample({ processMonitorId: foreign.id }),
    ]);
    expect(refused.status).toBe(403);
    expect((await eventsOf(m.id)).some((e) => e.event_id === stray.event_id)).toBe(false);

    // Bad events are a 400 with the field named.
    const bad = await post([sample({ restart_events: [{ ...event, kind: 'REBOOTED' }] })]);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('restart_events');
    expect((await stack.admin('GET', '/api/v1/monitors/999999/events')).status).toBe(404);
  });
});
