import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentBundle, REPO_ROOT } from '../src/build-agent-bundle.ts';
import { type Daemon, startDaemon } from '../src/quick-start/child-process.ts';
import { type CollectorProcess, startCollectorProcess, writeAgentConfig } from './support/processes.ts';
import { IN_CI, skipWithout } from './support/skip.ts';
import { processExists, waitFor } from './support/wait.ts';

// The assembled system: a real collector process (PGlite), the agent as the single bundled file
// copied alone into an empty directory, a real process to watch, and Debian's chromium driving the
// dashboard through playwright-core. One collector serves both tests (it costs seconds to start).

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'dashboard');
const MARKER = `procwatch-e2e-${randomBytes(4).toString('hex')}`;
const haveChromium = existsSync(CHROMIUM);

describe('assembled system', () => {
  let collector: CollectorProcess;
  let work = '';
  let agent: Daemon | undefined;
  let target: ChildProcess | undefined;
  let monitorId = 0;
  const agentLines: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'procwatch-e2e-'));
    collector = await startCollectorProcess();
    const host = await collector.api.createHost({ name: `e2e-${MARKER}`, address: '127.0.0.1' });
    const monitor = await collector.api.createMonitor({
      name: `sleeper ${MARKER}`,
      process_type: 'CUSTOM',
      hostServerId: host.id,
      command_pattern: `${MARKER}-target`,
      check_interval: 2,
    });
    monitorId = monitor.id;
    await writeAgentConfig(join(work, 'conf'), collector.url, host.agent_token);
    // The process to watch: distinctive argv, nothing else.
    target = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', `${MARKER}-target`], {
      stdio: 'ignore',
    });
  });

  afterAll(async () => {
    if (target?.pid && processExists(target.pid)) target.kill('SIGKILL');
    await agent?.stop(10_000);
    await collector?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the bundled agent, copied alone into an empty directory, runs with node and pushes samples', async () => {
    const summary = await buildAgentBundle({ outfile: join(work, 'build', 'procwatch-agent.mjs') });
    // Only node built-ins stay outside the bundle: nothing is loaded from a node_modules at run time.
    const builtins = new Set(builtinModules);
    expect(summary.builtins.filter((b) => !builtins.has(b) && b !== 'sqlite')).toEqual([]);
    const alone = join(work, 'alone');
    await mkdir(alone);
    await copyFile(summary.outfile, join(alone, 'procwatch-agent.mjs'));
    expect(await readdir(alone)).toEqual(['procwatch-agent.mjs']);

    agent = startDaemon({
      name: 'agent',
      command: process.execPath,
      args: ['procwatch-agent.mjs', 'run', '--config', join(work, 'conf', 'agent.json')],
      cwd: alone,
      // No NODE_PATH, no NODE_OPTIONS (vitest's loaders): plain node and the one file.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work },
      logFile: join(work, 'agent.log'),
      print: (line) => agentLines.push(line),
    });
    const running = await waitFor(
      'a RUNNING sample from the bundled agent',
      async () => {
        const status = await collector.api.status();
        const item = status.items.find((s) => s.processMonitorId === monitorId);
        return item?.status === 'RUNNING' && item.source === 'AGENT' ? item : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(running.pid).toBe(target?.pid);
    const history = await collector.api.history(monitorId, { limit: 10 });
    expect(history.items.length).toBeGreaterThan(0);
    const host = (await collector.api.listHosts()).find((h) => h.name === `e2e-${MARKER}`);
    expect(host?.agent_online).toBe(true);
    expect(host?.agent_version).toBeTruthy();
    // The agent kept its state where the config said, not beside the bundle.
    expect(await readdir(alone)).toEqual(['procwatch-agent.mjs']);
  });

  it.skipIf(skipWithout(haveChromium ? CHROMIUM : undefined, CHROMIUM, 'apt-get install chromium'))(
    'in chromium: log in, see the monitor RUNNING, kill it, see NOT_FOUND and a warning, acknowledge it',
    async () => {
      expect(agent, 'the bundled agent runs (previous test)').toBeDefined();
      await mkdir(ARTIFACTS, { recursive: true });
      const profile = await mkdtemp(join(tmpdir(), 'procwatch-chromium-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        viewport: { width: 1400, height: 900 },
      });
      const shot = (name: string) =>
        page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
      const page = context.pages()[0] ?? (await context.newPage());
      try {
        await page.goto(`${collector.url}/ui`);
        await page.waitForURL(/\/ui\/login/);
        await page.fill('#token', collector.adminToken);
        await page.fill('#operator', 'e2e operator');
        await shot('01-login');
        await Promise.all([page.waitForURL(`${collector.url}/ui`), page.click('button[type=submit]')]);
        await page.waitForSelector('h1:has-text("Overview")');
        await shot('02-overview');

        const row = `tr[data-monitor="sleeper ${MARKER}"]`;
        const statusOf = async () => {
          await page.goto(`${collector.url}/ui/monitors`);
          return page.getAttribute(row, 'data-status', { timeout: 5000 });
        };
        await waitFor('RUNNING on the monitors page', async () => (await statusOf()) === 'RUNNING', {
          timeoutMs: 60_000,
        });
        await shot('03-running');

        await page.click(`${row} a`);
        await Promise.all([
          page.waitForURL(/\/ui\/monitors\/\d+$/),
          page.click('button:has-text("Check now")'),
        ]);
        await page.waitForSelector('.flash.ok:has-text("Checked through the agent: RUNNING")');
        await shot('03b-checked-now');

        // No reload from here on: the page refreshes itself (app.js swaps in a fresh <main>).
        await page.goto(`${collector.url}/ui/monitors`);
        target?.kill('SIGKILL');
        await page.waitForSelector(`${row}[data-status="NOT_FOUND"]`, { timeout: 60_000 });
        await shot('04-not-found');
        // A wall screen: the same page at 2560×1440 scales its type up.
        await page.setViewportSize({ width: 2560, height: 1440 });
        await page.goto(`${collector.url}/ui`);
        await shot('04b-wall-screen-overview');
        await page.setViewportSize({ width: 1400, height: 900 });

        const warning = `tr[data-warning-status="OPEN"]:has-text("sleeper ${MARKER}")`;
        await waitFor(
          'an open warning for the monitor',
          async () => {
            await page.goto(`${collector.url}/ui/warnings`);
            return (await page.locator(warning).count()) > 0;
          },
          { timeoutMs: 60_000 },
        );
        await shot('05-warning');
        const type = await page.locator(warning).first().getAttribute('data-warning');
        expect(['PROCESS_NOT_RUNNING', 'PROCESS_CRASHED']).toContain(type);

        await page.locator(warning).first().locator('input[name=note]').fill('restarting it');
        await Promise.all([
          page.waitForURL(`${collector.url}/ui/warnings`),
          page.locator(warning).first().locator('button').click(),
        ]);
        await page.waitForSelector('.flash.ok:has-text("Acknowledged")');
        await shot('06-acknowledged');

        const warnings = await collector.api.listWarnings({ processMonitorId: monitorId });
        const acked = warnings.find((w) => w.type === type);
        expect(acked).toMatchObject({
          status: 'ACKNOWLEDGED',
          acknowledged_by: 'e2e operator',
          ack_note: 'restarting it',
        });
      } catch (error) {
        await shot('99-failure').catch(() => {});
        throw new Error(
          `${(error as Error).message}\ncollector: ${collector.lines.join('\n')}\nagent: ${agentLines.join('\n')}`,
        );
      } finally {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      }
    },
  );

  it('CI has chromium', () => {
    if (IN_CI)
      expect(haveChromium, `${CHROMIUM} must be installed in CI (.ci/install-chromium.sh)`).toBe(true);
  });
});
