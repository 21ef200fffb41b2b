/**
 * Warning latency: kill a monitored process, time how long until the OpsWarning row exists and until a webhook
 * receiver on 127.0.0.1 has the "opened" message. Everything is real and at default settings: the collector
 * (in this process: HTTP server, warning engine, delivery loop), `procwatch-agent run` as a child process
 * (default liveness watch and batching), target processes killed with SIGKILL.
 *
 *   npx tsx collector/bench/warning-latency.ts [--kills 20] [--gap-ms 1500] [--postgres [--url postgres://…/postgres]]
 *
 * Each kill hits a different target process (one monitor each), so every kill is a fresh incident.
 * Goal: kill → webhook p95 ≤ 2 s.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { createDatabase, type DatabaseHandle } from '../src/db/database.ts';
import { engineDb } from '../src/warnings/tables.ts';
import { startLiveStack } from '../test/warnings/live-stack.ts';

const { values: args } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    'gap-ms': { type: 'string', default: '1500' },
    postgres: { type: 'boolean', default: false },
    url: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const kills = Number(args.kills);
const gapMs = Number(args['gap-ms']);
if (!Number.isInteger(kills) || kills < 1 || kills > 200) throw new Error('--kills must be 1..200');

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

function describe(label: string, values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const f = (n: number) => `${Math.round(n)} ms`.padStart(8);
  return `${label.padEnd(34)} p50 ${f(percentile(s, 50))}  p95 ${f(percentile(s, 95))}  max ${f(s.at(-1) ?? Number.NaN)}`;
}

async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs: number,
  what: string,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function openDatabase(): Promise<{
  database: DatabaseHandle;
  drop: () => Promise<void>;
  label: string;
}> {
  if (!args.postgres) {
    return { database: await createDatabase({}), drop: async () => {}, label: 'embedded PGlite (in memory)' };
  }
  const name = `procwatch_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: args.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(args.url);
  url.pathname = `/${name}`;
  return {
    database: await createDatabase({ databaseUrl: url.toString() }),
    label: `PostgreSQL (${url.host})`,
    drop: async () => {
      const dropper = new pg.Client({ connectionString: args.url });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

async function main() {
  const { database, drop, label } = await openDatabase();
  const stack = await startLiveStack({ database });
  const db = engineDb(database.db);
  try {
    const host = await stack.createHost();
    const targets = Array.from({ length: kills }, () => stack.spawnTarget());
    const monitors = [];
    for (const target of targets)
      monitors.push(await stack.createMonitor(host.id, { command_pattern: target.tag }));
    stack.startAgent(host.agent_token);
    await waitFor(
      async () => {
        const rows = await db
          .selectFrom('ProcessCurrentStatus')
          .select('processMonitorId')
          .where('status', '=', 'RUNNING')
          .execute();
        return rows.length >= monitors.length;
      },
      120_000,
      'every target RUNNING',
    );
    // The agent's liveness watch learns the primary pids from its first scan; give it a moment past that.
    await new Promise((r) => setTimeout(r, 2_000));

    const toSample: number[] = [];
    const toRow: number[] = [];
    const toHook: number[] = [];
    for (const [i, target] of targets.entries()) {
      const monitor = monitors[i]!;
      const killedAt = target.kill();
      const hit = await waitFor(
        () => stack.hits.find((h) => h.event === 'opened' && h.warning.monitor?.id === monitor.id),
        30_000,
        `the webhook of kill ${i + 1}`,
      );
      const row = await db
        .selectFrom('OpsWarning')
        .select(['createdAt', 'first_seen_at'])
        .where('id', '=', hit.warning.id)
        .executeTakeFirstOrThrow();
      const stored = await sql<{ created: Date }>`
        SELECT min("createdAt") AS created FROM "ProcessStatus"
        WHERE "processMonitorId" = ${monitor.id} AND status <> 'RUNNING'`.execute(database.db);
      toSample.push((stored.rows[0]?.created ?? row.createdAt).getTime() - killedAt);
      toRow.push(new Date(row.createdAt).getTime() - killedAt);
      toHook.push(hit.at - killedAt);
      process.stdout.write(
        `kill ${String(i + 1).padStart(2)}: row ${toRow.at(-1)} ms, webhook ${toHook.at(-1)} ms\n`,
      );
      await new Promise((r) => setTimeout(r, gapMs));
    }

    console.log(`\nwarning latency, ${kills} kills, ${label}, default agent and collector settings`);
    console.log(describe('kill → NOT_FOUND sample stored', toSample));
    console.log(describe('kill → OpsWarning row', toRow));
    console.log(describe('kill → webhook received', toHook));
    const p95 = percentile(
      [...toHook].sort((a, b) => a - b),
      95,
    );
    console.log(`goal p95 ≤ 2000 ms: ${p95 <= 2000 ? 'met' : 'NOT met'} (${Math.round(p95)} ms)`);
  } finally {
    await stack.close();
    await drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
