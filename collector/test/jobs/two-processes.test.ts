import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { listJobRuns } from '../../src/jobs/job-run-store.ts';
import { createEmptyPostgresDatabase, testBackends } from '../support/test-database.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/scheduler-process.ts', import.meta.url));
const PROBE_PERIOD_MS = 1_000;

interface Child {
  process: ChildProcess;
  runs: { job: string; period: string; outcome: string }[];
}

function startScheduler(url: string, id: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, url, id, String(PROBE_PERIOD_MS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const runs: Child['runs'] = [];
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.startsWith('{')) runs.push(JSON.parse(line));
    }
  });
  return { process: child, runs };
}

async function stop(child: Child): Promise<number | null> {
  if (child.process.exitCode !== null) return child.process.exitCode;
  const exited = once(child.process, 'exit');
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 20_000);
  const [code] = await exited;
  clearTimeout(timer);
  return code as number | null;
}

describe.skipIf(!testBackends().includes('postgres'))(
  'two collector processes on one PostgreSQL (needs PROCWATCH_TEST_BACKENDS=…,postgres)',
  () => {
    let drop: (() => Promise<void>) | undefined;
    let url = '';
    let database: DatabaseHandle;
    const children: Child[] = [];
    beforeAll(async () => {
      const scratch = await createEmptyPostgresDatabase();
      drop = scratch.drop;
      url = scratch.url;
      database = await createDatabase({ databaseUrl: url, poolMax: 2 });
      await migrateToLatest(database.db);
    });
    afterAll(async () => {
      for (const child of children) await stop(child);
      await database?.close();
      await drop?.();
    });

    it('runs each job once per period', async () => {
      children.push(startScheduler(url, 'collector-a'), startScheduler(url, 'collector-b'));
      const deadline = Date.now() + 90_000;
      // Wait until several probe periods have passed with both processes up.
      for (;;) {
        const probes = await listJobRuns(database.db, { name: 'probe', limit: 1000 });
        if (probes.filter((r) => r.state === 'SUCCEEDED').length >= 5) break;
        if (Date.now() > deadline) throw new Error('the probe job did not run 5 periods within 90 s');
        await sleep(100);
      }
      const codes = await Promise.all(children.map(stop));
      expect(codes).toEqual([0, 0]);

      const runs = children.flatMap((c) => c.runs);
      const key = (r: { job: string; period: string }) => `${r.job}@${r.period}`;
      const keys = runs.map(key);
      // No (job, period) ran twice, across both processes.
      expect(new Set(keys).size).toBe(keys.length);
      // The hourly maintenance jobs ran exactly once between them.
      expect(runs.filter((r) => r.job === 'partitions')).toHaveLength(1);
      expect(runs.filter((r) => r.job === 'retention')).toHaveLength(1);
      expect(runs.every((r) => r.outcome === 'succeeded')).toBe(true);

      const stored = await listJobRuns(database.db, { limit: 1000 });
      expect(stored.map((r) => key({ job: r.name, period: r.periodStart.toISOString() })).sort()).toEqual(
        runs.map((r) => key({ job: r.job, period: new Date(r.period).toISOString() })).sort(),
      );
      expect(stored.every((r) => r.attempts === 1)).toBe(true);
    });
  },
);

const BIN = fileURLToPath(new URL('../../bin/procwatch-collector.js', import.meta.url));

interface Collector {
  process: ChildProcess;
  lines: Record<string, unknown>[];
}

function startCollector(url: string, dataDir: string): Collector {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      PROCWATCH_ADMIN_TOKEN: 'admin-token-for-two-collectors',
      PROCWATCH_DATA_DIR: dataDir,
      DATABASE_POOL_MAX: '3',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.startsWith('{')) lines.push(JSON.parse(line));
    }
  });
  return { process: child, lines };
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 120_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe.skipIf(!testBackends().includes('postgres'))(
  'two procwatch-collector serve processes on one PostgreSQL (needs PROCWATCH_TEST_BACKENDS=…,postgres)',
  () => {
    let drop: (() => Promise<void>) | undefined;
    let database: DatabaseHandle;
    let dataDir = '';
    const collectors: Collector[] = [];
    beforeAll(async () => {
      const scratch = await createEmptyPostgresDatabase();
      drop = scratch.drop;
      dataDir = mkdtempSync(join(tmpdir(), 'procwatch-two-collectors-'));
      // Both start on an empty database: they race for the migration too.
      collectors.push(startCollector(scratch.url, dataDir), startCollector(scratch.url, dataDir));
      database = await createDatabase({ databaseUrl: scratch.url, poolMax: 2 });
    });
    afterAll(async () => {
      for (const c of collectors) await stop({ process: c.process, runs: [] });
      await database?.close();
      await drop?.();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('runs the maintenance jobs once per period between them', async () => {
      const urls = await Promise.all(
        collectors.map((c, i) =>
          until(`collector ${i} listening`, () => {
            if (c.process.exitCode !== null)
              throw new Error(`collector ${i} exited with ${c.process.exitCode}`);
            const line = c.lines.find((l) => l.msg === 'collector listening');
            return line ? String(line.url) : undefined;
          }),
        ),
      );
      // Each collector has tried each job: it ran it, or found the period taken.
      const tried = (c: Collector, job: string) =>
        c.lines.some((l) => l.job === job && (l.msg === 'job succeeded' || l.msg === 'job period skipped'));
      for (const job of ['partitions', 'retention']) {
        await until(`both collectors to try ${job}`, () =>
          collectors.every((c) => tried(c, job)) ? true : undefined,
        );
      }

      const stored = await listJobRuns(database.db, { limit: 1000 });
      const runsOf = (job: string) => stored.filter((r) => r.name === job);
      for (const job of ['partitions', 'retention']) {
        expect(runsOf(job).length).toBeGreaterThanOrEqual(1);
        expect(runsOf(job).every((r) => r.state === 'SUCCEEDED' && r.attempts === 1)).toBe(true);
      }

      // Their own /metrics agree: between them, one run per stored period.
      let total = 0;
      for (const url of urls) {
        const text = await (await fetch(`${url}/metrics`)).text();
        const family = parsePrometheusTextFormat(text).find((f) => f.name === 'procwatch_job_runs_total');
        for (const m of family?.metrics ?? []) {
          if (m.labels?.job === 'partitions' || m.labels?.job === 'retention') total += Number(m.value);
        }
      }
      expect(total).toBe(runsOf('partitions').length + runsOf('retention').length);

      const codes = await Promise.all(collectors.map((c) => stop({ process: c.process, runs: [] })));
      expect(codes).toEqual([0, 0]);
    });
  },
);
