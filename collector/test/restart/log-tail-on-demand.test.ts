import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostWithToken, Monitor, MonitorLogTail, Problem } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../support/test-database.ts';
import { waitFor } from '../warnings/fixtures.ts';
import { type LiveStack, startLiveStack } from '../warnings/live-stack.ts';

// The on-demand log tail end to end: the admin API, the command long-poll, a real `procwatch-agent run`
// reading real files under its log_dirs, and the answer back through the agent API.

const lines = (n: number) => `${Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n')}\n`;

describe('log tail on demand through the agent', () => {
  let stack: LiveStack;
  let host: HostWithToken;
  let dir: string;
  let logs: string;
  let agent: ReturnType<LiveStack['startAgent']>;
  let md: Monitor;

  beforeAll(async () => {
    // Heartbeats every second against a 5 s timeout: online while it runs, offline soon after it hangs.
    stack = await startLiveStack({
      database: await openTestDatabase('pglite'),
      env: { PROCWATCH_AGENT_HEARTBEAT_INTERVAL_SECONDS: '1' },
    });
    dir = mkdtempSync(join(tmpdir(), 'procwatch-tail-'));
    logs = join(dir, 'logs');
    mkdirSync(logs);
    writeFileSync(join(logs, 'md.log'), lines(300));
    writeFileSync(join(dir, 'secret.txt'), 'not for the collector\n');
    symlinkSync(join(dir, 'secret.txt'), join(logs, 'innocent.log'));
    host = await stack.createHost();
    const res = await stack.admin('PATCH', `/api/v1/hosts/${host.id}`, { heartbeat_timeout_seconds: 5 });
    expect(res.status).toBe(200);
    md = await stack.createMonitor(host.id, { command_pattern: 'tail-md', log_file: join(logs, 'md.log') });
  });
  afterAll(async () => {
    if (agent?.pid) process.kill(agent.pid, 'SIGCONT');
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const tail = (monitorId: number, query = '') =>
    stack.admin('POST', `/api/v1/monitors/${monitorId}/log-tail${query}`);
  const problemOf = async (res: Response) => {
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    return (await res.json()) as Problem;
  };

  it('answers with the last lines read by the agent, and refuses what lies outside its log_dirs', async () => {
    const monitor = (log_file: string | null) =>
      stack.createMonitor(host.id, { command_pattern: `tail-${Math.random()}`, log_file });
    const outside = await monitor(join(dir, 'secret.txt'));
    const viaLink = await monitor(join(logs, 'innocent.log'));
    const missing = await monitor(join(logs, 'gone.log'));
    const none = await monitor(null);

    // Before the agent runs: nobody can read the host's logs (SSH never does).
    const offline = await tail(md.id);
    expect(offline.status).toBe(409);
    expect((await problemOf(offline)).code).toBe('agent_offline');

    agent = stack.startAgent(host.agent_token, { log_dirs: [logs] });
    // The first answer comes once the agent has its config (with these monitors) and polls for commands.
    const first = await waitFor(
      async () => {
        const res = await tail(md.id, '?lines=20');
        return res.status === 200 ? ((await res.json()) as MonitorLogTail) : null;
      },
      60_000,
      'a log tail from the agent',
    );
    expect(first).toMatchObject({ processMonitorId: md.id, path: join(logs, 'md.log'), truncated: true });
    expect(first.text.split('\n')).toEqual(Array.from({ length: 20 }, (_, i) => `line ${281 + i}`));
    const defaults = (await (await tail(md.id)).json()) as MonitorLogTail;
    expect(defaults.text.split('\n')).toHaveLength(100);

    for (const refused of [outside, viaLink]) {
      const res = await tail(refused.id);
      expect(res.status).toBe(403);
      const p = await problemOf(res);
      expect(p.code).toBe('log_path_refused');
      expect(p.detail).toContain('not under a directory in log_dirs');
      expect(JSON.stringify(p)).not.toContain('not for the collector');
    }
    const gone = await tail(missing.id);
    expect(gone.status).toBe(409);
    expect(await problemOf(gone)).toMatchObject({ code: 'log_unavailable' });
    expect((await problemOf(await tail(none.id))).code).toBe('no_log_file');

    for (const bad of ['?lines=0', '?lines=1001', '?lines=ten', '?path=/etc/shadow']) {
      expect((await tail(md.id, bad)).status, bad).toBe(400);
    }
    expect((await tail(2_000_000_000)).status).toBe(404);

    // Answers are read once and not kept: no log text stays behind in the command table.
    const commands = await stack.collector.deps.db
      .selectFrom('AgentCommand')
      .select('id')
      .where('hostServerId', '=', host.id)
      .execute();
    expect(commands).toEqual([]);
  });

  it('answers 504 when the agent does not answer, 409 once it counts as offline', async () => {
    await waitFor(async () => (await tail(md.id)).status === 200, 30_000, 'the agent answering');
    const pid = agent.pid;
    if (pid === undefined) throw new Error('agent has no pid');
    process.kill(pid, 'SIGSTOP');
    try {
      const hung = await tail(md.id);
      expect(hung.status).toBe(504);
      expect((await problemOf(hung)).code).toBe('agent_timeout');
      const offline = await waitFor(
        async () => {
          const res = await tail(md.id);
          return res.status === 409 ? res : null;
        },
        30_000,
        'the agent to count as offline',
      );
      expect((await problemOf(offline)).code).toBe('agent_offline');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});
