import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
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
