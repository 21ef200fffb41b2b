import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryItem, Monitor } from '@procwatch/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { scanFrames } from '../../agent/src/spool/frame-codec.ts';
import { httpTransport } from '../../collector/src/cli/http-transport.ts';
import { AdminApi } from '../../collector/src/dashboard/admin-api.ts';
import { REPO_ROOT } from '../src/build-agent-bundle.ts';
import { waitForHttpOk } from '../src/quick-start/bootstrap.ts';
import { type Daemon, startDaemon } from '../src/quick-start/child-process.ts';
import { freePort, processExists, waitFor } from './support/wait.ts';

// The agent against the real collector (a process on PGlite): the collector goes down while the
// agent keeps checking and spooling, comes back on the same data and port, and every sample the agent
// produced is stored exactly once, in sequence order.

const MARKER = `procwatch-offline-${randomBytes(4).toString('hex')}`;
const PRODUCED_WHILE_DOWN = 100;

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), ...extra };
}

/** The agent's own config file format, with the token in a file as the installer writes it. */
async function writeAgentConfig(dir: string, url: string, token: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'agent.token'), `${token}\n`, { mode: 0o600 });
  const file = join(dir, 'agent.json');
  const config = { collector: { urls: [url], token_file: 'agent.token' }, state_dir: 'state' };
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

/** The highest seq in the agent's spool, read straight from its segment files. */
function spooledMaxSeq(spoolDir: string): number {
  if (!existsSync(spoolDir)) return 0;
  let max = 0;
  for (const name of readdirSync(spoolDir).filter((n) => n.endsWith('.seg'))) {
    for (const frame of scanFrames(readFileSync(join(spoolDir, name))).frames) max = Math.max(max, frame.seq);
  }
  return max;
}

describe('agent and collector', () => {
  let work = '';
  let collector: Daemon | undefined;
  let agent: Daemon | undefined;
  let target: ChildProcess | undefined;
  const lines: string[] = [];

  afterAll(async () => {
    if (target?.pid && processExists(target.pid)) target.kill('SIGKILL');
    await agent?.stop(10_000);
    await collector?.stop(15_000);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('collector down while >= 100 samples are produced, then back: each arrives exactly once, in order', async () => {
    work = await mkdtemp(join(tmpdir(), 'procwatch-offline-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const adminToken = randomBytes(24).toString('base64url');
    const startCollector = async () => {
      collector = startDaemon({
        name: 'collector',
        command: process.execPath,
        args: [join(REPO_ROOT, 'collector/bin/procwatch-collector.js'), 'serve'],
        cwd: REPO_ROOT,
        env: env({
          HOST: '127.0.0.1',
          PORT: String(port),
          PROCWATCH_DATA_DIR: join(work, 'data'),
          PROCWATCH_ADMIN_TOKEN: adminToken,
          LOG_LEVEL: 'warn',
        }),
        logFile: join(work, 'collector.log'),
        print: (line) => lines.push(line),
      });
      await waitForHttpOk(`${url}/readyz`, 120_000);
    };
    await startCollector();
    const transport = httpTransport({ url, token: adminToken, timeoutMs: 15_000 });
    try {
      const api = new AdminApi(transport);
      const host = await api.createHost({ name: `offline-${MARKER}`, address: '127.0.0.1' });
      const monitors: Monitor[] = [];
      for (const process_type of ['QUOTE', 'COMMUNICATION', 'CUSTOM']) {
        monitors.push(
          await api.createMonitor({
            name: `${process_type.toLowerCase()} ${MARKER}`,
            process_type,
            hostServerId: host.id,
            command_pattern: `${MARKER}-target`,
            check_interval: 1,
          }),
        );
      }
      target = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', `${MARKER}-target`], {
        stdio: 'ignore',
      });
      const agentDir = join(work, 'agent');
      const config = await writeAgentConfig(agentDir, url, host.agent_token);
      agent = startDaemon({
        name: 'agent',
        command: process.execPath,
        args: [join(REPO_ROOT, 'agent/bin/procwatch-agent.js'), 'run', '--config', config],
        cwd: REPO_ROOT,
        env: env({}),
        logFile: join(work, 'agent.log'),
        print: (line) => lines.push(line),
      });
      const history = async (): Promise<HistoryItem[]> => {
        const rows: HistoryItem[] = [];
        for (const m of monitors) {
          let cursor: string | null = null;
          do {
            const page = await api.history(m.id, { limit: 1000, ...(cursor ? { cursor } : {}) });
            rows.push(...page.items);
            cursor = page.next_cursor;
          } while (cursor);
        }
        return rows;
      };
      await waitFor('samples from the agent', async () => (await history()).length >= 6, {
        timeoutMs: 90_000,
        intervalMs: 500,
      });

      // Down: the agent keeps checking (3 samples a second) and spools.
      const spoolDir = join(agentDir, 'state', 'spool');
      await collector?.stop(15_000);
      const seqAtStop = spooledMaxSeq(spoolDir);
      await waitFor(
        `${PRODUCED_WHILE_DOWN} samples spooled while the collector is down`,
        () => spooledMaxSeq(spoolDir) >= seqAtStop + PRODUCED_WHILE_DOWN,
        { timeoutMs: 120_000, intervalMs: 500 },
      );

      // Back, on the same data and port: the backlog arrives.
      await startCollector();
      const produced = spooledMaxSeq(spoolDir);
      const rows = await waitFor(
        `all ${produced} samples stored`,
        async () => {
          const all = await history();
          return all.filter((r) => (r.seq ?? 0) <= produced).length >= produced ? all : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 1000 },
      );
      const upToProduced = rows.filter((r) => r.source === 'AGENT' && (r.seq ?? 0) <= produced);
      const seqs = upToProduced.map((r) => r.seq ?? 0).sort((a, b) => a - b);
      // Exactly once: every seq from 1 to the last produced, no gap, no duplicate.
      expect(seqs).toEqual(Array.from({ length: produced }, (_, i) => i + 1));
      expect(new Set(upToProduced.map((r) => r.sample_id)).size).toBe(produced);
      // In order: a later seq was never stored before an earlier one.
      const bySeq = [...upToProduced].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
      for (let i = 1; i < bySeq.length; i++) {
        expect(Date.parse(bySeq[i]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(bySeq[i - 1]!.createdAt));
      }
      // Samples before, during and after the outage, all from the real checks.
      expect(upToProduced.every((r) => r.status === 'RUNNING' && r.pid === target?.pid)).toBe(true);
    } finally {
      await transport.close();
    }
  });
});
