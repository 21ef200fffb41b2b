import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpTransport } from '../../collector/src/cli/http-transport.ts';
import { AdminApi } from '../../collector/src/dashboard/admin-api.ts';
import { REPO_ROOT } from '../src/build-agent-bundle.ts';
import { freePort, processExists, StopWaiting, waitFor } from './support/wait.ts';

const run = promisify(execFile);

// The README's quick start, scripted: `npm ci && npm start` on a fresh clone. The clone is a real
// `git clone` of this repository (so it holds what is committed, nothing else, and no ./data);
// `npm ci` is replaced by a node_modules whose entries link to this checkout's installed packages
// (installing takes minutes and needs the network), except the workspace links, which point into
// the clone so that the clone's own sources run. Then `npm start` runs exactly as a user would.

interface Started {
  child: ChildProcess;
  output: string[];
  /** Exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals | null>;
}

function npmStart(cwd: string, port: number): Started {
  // Its own process group: SIGINT to the group is what Ctrl-C in a terminal does.
  const child = spawn('npm', ['start'], {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'info', NODE_OPTIONS: '' },
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  return { child, output, exited };
}

/** Whether `url` serves the dashboard as a browser sees it: following redirects (to the login page). */
async function served(url: string): Promise<boolean> {
  try {
    let target = url;
    for (let hop = 0; hop < 3; hop++) {
      const res = await request(target, { headersTimeout: 2000, bodyTimeout: 2000 });
      const text = await res.body.text();
      const location = res.headers.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
        target = new URL(location, target).toString();
        continue;
      }
      return res.statusCode === 200 && text.includes('<title>Log in · procwatch</title>');
    }
    return false;
  } catch {
    return false;
  }
}

/** Throws with everything `npm start` printed if it has exited: no point waiting any longer. */
function alive(started: Started): true {
  if (started.child.exitCode !== null || started.child.signalCode !== null) {
    throw new StopWaiting(
      new Error(
        `npm start exited (${started.child.exitCode ?? started.child.signalCode}):\n${started.output.join('')}`,
      ),
    );
  }
  return true;
}

function pidsOf(output: string): number[] {
  const match = /agent pid (\d+), collector pid (\d+)/.exec(output);
  return match ? [Number(match[1]), Number(match[2])] : [];
}

// What a shell sees after Ctrl-C: npm exits 0 or 130, or re-raises SIGINT on itself.
const STOPPED_BY_CTRL_C = [0, 130, 'SIGINT'];

async function ctrlC(started: Started): Promise<number | NodeJS.Signals | null> {
  if (started.child.pid) process.kill(-started.child.pid, 'SIGINT');
  return Promise.race([
    started.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('npm start did not stop within 40 s')), 40_000),
    ),
  ]);
}

describe('README quick start on a fresh clone', () => {
  let root = '';
  let clone = '';
  const children: Started[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'procwatch-qs-'));
    clone = join(root, 'procwatch');
    await run('git', ['clone', '--quiet', REPO_ROOT, clone]);
    const modules = join(clone, 'node_modules');
    await mkdir(join(modules, '@procwatch'), { recursive: true });
    for (const entry of await readdir(join(REPO_ROOT, 'node_modules'))) {
      if (entry === '@procwatch') continue;
      await symlink(join(REPO_ROOT, 'node_modules', entry), join(modules, entry));
    }
    for (const workspace of ['shared', 'agent', 'collector', 'deploy']) {
      await symlink(join('..', '..', workspace), join(modules, '@procwatch', workspace));
    }
  });

  afterAll(async () => {
    for (const started of children) {
      for (const pid of pidsOf(started.output.join(''))) if (processExists(pid)) process.kill(pid, 'SIGKILL');
      if (started.child.pid && started.child.exitCode === null) {
        try {
          process.kill(-started.child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('serves the dashboard within 30 s of npm start, with this machine and its agent, and stops cleanly on Ctrl-C', async () => {
    expect(existsSync(join(clone, 'data'))).toBe(false);
    const port = await freePort();
    const startedAt = Date.now();
    const started = npmStart(clone, port);
    children.push(started);
    const url = `http://127.0.0.1:${port}/ui`;
    await waitFor('the dashboard', () => alive(started) && served(url), {
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    const seconds = (Date.now() - startedAt) / 1000;
    console.info(`quick start: dashboard served ${seconds.toFixed(1)} s after npm start`);
    // Soft: a slow start fails the test, but the rest still runs and the processes are stopped.
    expect.soft(seconds, `dashboard served after ${seconds.toFixed(1)} s`).toBeLessThanOrEqual(30);

    const output = () => started.output.join('');
    await waitFor('the quick start banner', () => output().includes('procwatch is running.'), {
      timeoutMs: 60_000,
    });
    expect(output()).toContain(`dashboard:    http://127.0.0.1:${port}/ui`);
    const tokenFile = join(clone, 'data', 'admin-token');
    expect(output()).toContain(tokenFile);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    const token = (await readFile(tokenFile, 'utf8')).trim();

    const transport = httpTransport({ url: `http://127.0.0.1:${port}`, token, timeoutMs: 10_000 });
    try {
      const api = new AdminApi(transport);
      const collectorMonitor = await waitFor(
        'the example monitor RUNNING, reported by this machine’s agent',
        async () =>
          (await api.status()).items.find((s) => s.name === 'procwatch collector' && s.status === 'RUNNING'),
        { timeoutMs: 90_000, intervalMs: 1000 },
      );
      expect(collectorMonitor.source).toBe('AGENT');
      expect((await api.listHosts()).filter((h) => h.agent_online)).toHaveLength(1);
    } finally {
      await transport.close();
    }

    const pids = pidsOf(output());
    expect(pids).toHaveLength(2);
    expect(STOPPED_BY_CTRL_C).toContain(await ctrlC(started));
    for (const pid of pids) expect(processExists(pid), `pid ${pid} still runs`).toBe(false);
    expect(output()).toMatch(/agent exited \(0\)/);
    expect(output()).toMatch(/collector exited \(0\)/);
  });

  it('starts again on the same ./data without registering anything twice', async () => {
    const port = await freePort();
    const started = npmStart(clone, port);
    children.push(started);
    await waitFor(
      'the banner',
      () => alive(started) && started.output.join('').includes('procwatch is running.'),
      {
        timeoutMs: 120_000,
      },
    );
    const token = (await readFile(join(clone, 'data', 'admin-token'), 'utf8')).trim();
    const transport = httpTransport({ url: `http://127.0.0.1:${port}`, token, timeoutMs: 10_000 });
    try {
      const api = new AdminApi(transport);
      expect(await api.listHosts()).toHaveLength(1);
      expect((await api.listMonitors()).map((m) => m.name)).toEqual(['procwatch collector']);
    } finally {
      await transport.close();
    }
    expect(STOPPED_BY_CTRL_C).toContain(await ctrlC(started));
    expect(started.output.join('')).toMatch(/collector exited \(0\)/);
  });
});
