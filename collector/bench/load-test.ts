/**
 * Load test: N simulated agents posting sample batches to collector processes on the real
 * PostgreSQL for a bounded time.
 *
 *   npx tsx collector/bench/load-test.ts [--agents 500] [--monitors 20] [--interval 5] [--duration 60]
 *     [--collectors 1] [--pool-max 10] [--url postgres://postgres@127.0.0.1:5432/postgres]
 *   quick run: --agents 50 --duration 15; --history N adds N older rows first; --cpu-prof DIR profiles the collectors
 *
 * Creates a scratch database, provisions the hosts (agent tokens) and monitors, starts the
 * collector(s) as child processes (`procwatch-collector serve`), runs the agents (each posts one
 * batch of `monitors` samples every `interval` seconds, starting at a random offset, spread
 * round-robin over the collectors), then prints throughput, ingest latency, errors and rows stored
 * against samples sent. Goals: 0 errors, p99 < 200 ms, stored = sent.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AGENT_PROTOCOL_VERSION, type Sample } from '@procwatch/shared';
import { sql } from 'kysely';
import pg from 'pg';
import { Pool } from 'undici';
import { generateAgentToken } from '../src/auth/agent-token.ts';
import { createDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { statusItemsJson } from '../src/queries/status.ts';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '500' },
    monitors: { type: 'string', default: '20' },
    interval: { type: 'string', default: '5' },
    duration: { type: 'string', default: '60' },
    collectors: { type: 'string', default: '1' },
    'pool-max': { type: 'string', default: '10' },
    url: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    keep: { type: 'boolean', default: false },
    history: { type: 'string', default: '0' },
    'cpu-prof': { type: 'string' },
  },
});
const positive = (name: string, text: string | undefined) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const AGENTS = positive('agents', args.agents);
const MONITORS = positive('monitors', args.monitors);
const INTERVAL_MS = positive('interval', args.interval) * 1000;
const DURATION_MS = positive('duration', args.duration) * 1000;
const COLLECTORS = positive('collectors', args.collectors);
const POOL_MAX = positive('pool-max', args['pool-max']);
const HISTORY_ROWS = Number(args.history);
if (!Number.isInteger(HISTORY_ROWS) || HISTORY_ROWS < 0) throw new Error('--history must be a whole number');
const BIN = fileURLToPath(new URL('../bin/procwatch-collector.js', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function waitReady(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`collector exited with ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`collector at ${base} not ready within 120 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const admin = new pg.Client({ connectionString: args.url });
await admin.connect();
const scratch = `procwatch_bench_load_${randomBytes(4).toString('hex')}`;
await admin.query(`CREATE DATABASE ${scratch}`);
const dbUrl = new URL(args.url);
dbUrl.pathname = `/${scratch}`;
const database = await createDatabase({ databaseUrl: dbUrl.toString(), poolMax: 4 });
const children: ChildProcess[] = [];
try {
  const db = database.db;
  await migrateToLatest(db);

  // Provision: one host per agent with its token, `MONITORS` monitors each.
  const agents: { token: string; monitorIds: number[]; seq: number }[] = [];
  for (let a = 0; a < AGENTS; a += 1) {
    const token = generateAgentToken();
    const host = await db
      .insertInto('HostServer')
      .values({
        name: `load-${a}`,
        address: `10.1.${Math.floor(a / 250)}.${a % 250}`,
        agent_token_id: token.tokenId,
        agent_token_hash: token.secretHash,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const monitors = await db
      .insertInto('ProcessMonitor')
      .values(
        Array.from({ length: MONITORS }, (_, m) => ({
          name: `proc-${m}`,
          process_type: 'CUSTOM' as const,
          hostServerId: host.id,
          process_name: `proc-${m}`,
        })),
      )
      .returning('id')
      .execute();
    agents.push({ token: token.token, monitorIds: monitors.map((m) => m.id), seq: 0 });
  }
  // As in production, where autovacuum has analysed the tables: fresh tables look empty to the
  // planner, which then scans them whole.
  await sql`ANALYZE`.execute(db);
  console.log(`provisioned ${AGENTS} hosts × ${MONITORS} monitors in ${scratch}`);
  if (HISTORY_ROWS > 0) {
    // Older history spread over the partitions behind today, generated server-side.
    const t0 = performance.now();
    const first = agents[0]!.monitorIds[0]!;
    const count = AGENTS * MONITORS;
    for (let offset = 0; offset < HISTORY_ROWS; offset += 1_000_000) {
      const last = Math.min(HISTORY_ROWS, offset + 1_000_000) - 1;
      await sql`INSERT INTO "ProcessStatus" ("processMonitorId", status, pid, cpu_percent, memory_percent,
          memory_used_mb, uptime_seconds, start_time, trade_day, checked_at, check_duration_ms, sample_id, source,
          seq, process_count)
        SELECT ${first}::int + (i % ${count}), 'RUNNING', 1000, random() * 100, 1.5, 256, 3600, NULL, '20300101',
          now() - interval '1 hour' - (i * (129600000.0 / ${HISTORY_ROWS})) * interval '1 millisecond',
          2, gen_random_uuid(), 'AGENT', i, 1
        FROM generate_series(${offset}::bigint, ${last}::bigint) i`.execute(db);
    }
    await sql`VACUUM ANALYZE "ProcessStatus"`.execute(db);
    console.log(
      `history: ${HISTORY_ROWS} rows over the last 1.5 days in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }

  // --cpu-prof DIR: a V8 CPU profile of each collector, written when it exits (open in Chrome DevTools).
  const profileArgs = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [];
  const bases: string[] = [];
  for (let c = 0; c < COLLECTORS; c += 1) {
    const port = await freePort();
    const child = spawn(process.execPath, [...profileArgs, BIN, 'serve'], {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl.toString(),
        DATABASE_POOL_MAX: String(POOL_MAX),
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        // Our own admin token, so that the collector does not print a generated one.
        PROCWATCH_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
        PROCWATCH_DATA_DIR: `/tmp/${scratch}-${c}`,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    await waitReady(base, child);
    bases.push(base);
  }
  console.log(`collectors ready: ${bases.join(', ')}`);

  const pools = bases.map((base) => new Pool(base, { connections: Math.ceil(AGENTS / bases.length) }));
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let batches = 0;
  let samplesSent = 0;
  let samplesAcked = 0;
  let acceptedRows = 0;
  const inFlight = new Set<Promise<void>>();
  const cpuSeconds = () =>
    children.reduce((sum, child) => {
      // /proc/<pid>/stat fields 14 and 15: utime and stime in clock ticks (100 per second on Linux).
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return sum + (Number(fields[11]) + Number(fields[12])) / 100;
    }, 0);
  // What the database did per batch (all collectors, its own jobs included): pg_stat_database counters.
  const dbStats = async () =>
    (
      await sql<{ xact: number; ins: number; upd: number; del: number; ret: number }>`
        SELECT xact_commit::float8 AS xact, tup_inserted::float8 AS ins, tup_updated::float8 AS upd,
          tup_deleted::float8 AS del, tup_returned::float8 AS ret
        FROM pg_stat_database WHERE datname = current_database()`.execute(db)
    ).rows[0]!;
  let started = Date.now();
  // The simulated processes never restart: one start time throughout.
  const processStart = started - 3_600_000;
  const processStartIso = new Date(processStart).toISOString();
  let warmupSamples = 0;

  const postBatch = async (agentIndex: number, warmup = false) => {
    const agent = agents[agentIndex]!;
    const pool = pools[agentIndex % pools.length]!;
    const now = new Date();
    const samples: Sample[] = agent.monitorIds.map((id, m) => ({
      sample_id: randomUUID(),
      seq: ++agent.seq,
      processMonitorId: id,
      status: 'RUNNING',
      pid: 1000 + m,
      cpu_percent: Math.round(Math.random() * 1000) / 10,
      memory_percent: 1.5,
      memory_used_mb: 256,
      uptime_seconds: Math.round((now.getTime() - processStart) / 1000),
      start_time: processStartIso,
      trade_day: '20300102',
      checked_at: now.toISOString(),
      check_duration_ms: 2,
      error_message: null,
      process_count: 1,
    }));
    const body = JSON.stringify({ protocol: AGENT_PROTOCOL_VERSION, samples });
    if (warmup) warmupSamples += samples.length;
    else {
      batches += 1;
      samplesSent += samples.length;
    }
    const t0 = performance.now();
    try {
      const response = await pool.request({
        method: 'POST',
        path: '/agent/v1/samples',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
        body,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      const text = await response.body.text();
      if (warmup) {
        if (response.statusCode !== 200)
          throw new Error(`warm-up batch: HTTP ${response.statusCode} ${text}`);
        return;
      }
      latencies.push(performance.now() - t0);
      if (response.statusCode !== 200) {
        const key = `HTTP ${response.statusCode}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
        if ((errors.get(key) ?? 0) <= 3) console.error(`${key}: ${text.slice(0, 300)}`);
        return;
      }
      const result = JSON.parse(text) as { accepted: number };
      samplesAcked += samples.length;
      acceptedRows += result.accepted;
    } catch (error) {
      if (warmup) throw error;
      const key = (error as Error).name;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
  };

  // Warm-up: one batch per agent (the collector compiles its code paths, every monitor gets its
  // state rows), then ANALYZE as autovacuum would in production; none of it is measured.
  for (let a = 0; a < AGENTS; a += 25) {
    await Promise.all(Array.from({ length: Math.min(25, AGENTS - a) }, (_, i) => postBatch(a + i, true)));
  }
  await sql`ANALYZE`.execute(db);
  console.log(`warm-up: ${AGENTS} batches; measuring for ${DURATION_MS / 1000} s`);

  const cpuAtStart = cpuSeconds();
  const statsAtStart = await dbStats();
  started = Date.now();
  const stopAt = started + DURATION_MS;
  // Each agent posts every INTERVAL_MS from a random offset, like agents started at different times.
  await new Promise<void>((resolve) => {
    let agentsDone = 0;
    for (let a = 0; a < AGENTS; a += 1) {
      const tick = () => {
        const p = postBatch(a).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (Date.now() + INTERVAL_MS < stopAt) {
          setTimeout(tick, INTERVAL_MS);
          return;
        }
        agentsDone += 1;
        if (agentsDone === AGENTS) resolve();
      };
      setTimeout(tick, Math.random() * INTERVAL_MS);
    }
  });
  await Promise.all(inFlight);
  const elapsedS = (Date.now() - started) / 1000;
  const collectorCpu = cpuSeconds() - cpuAtStart;
  // The statistics collector reports with a delay of up to a second.
  await new Promise((r) => setTimeout(r, 1500));
  const statsAtEnd = await dbStats();
  await Promise.all(pools.map((p) => p.close()));

  const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM "ProcessStatus"`.execute(db);
  const stored = (rows.rows[0]?.n ?? 0) - HISTORY_ROWS - warmupSamples;

  // The collector issue's goal, re-checked with partitions: latest status of every monitor.
  const statusTimes: number[] = [];
  for (let i = 0; i < 30; i += 1) {
    const t0 = performance.now();
    await statusItemsJson(db, {}, new Date());
    statusTimes.push(performance.now() - t0);
  }
  statusTimes.sort((x, y) => x - y);
  const partitions = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = '"ProcessStatus"'::regclass`.execute(db);
  latencies.sort((x, y) => x - y);
  const errorCount = [...errors.values()].reduce((s, n) => s + n, 0);
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const p99 = percentile(latencies, 99);

  console.log('');
  console.log(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `load: ${AGENTS} agents × ${MONITORS} monitors every ${INTERVAL_MS / 1000} s, ${elapsedS.toFixed(1)} s, ` +
      `${COLLECTORS} collector(s), pool max ${POOL_MAX}, ${partitions.rows[0]?.n} day partitions`,
  );
  console.log(`batches sent:    ${batches} (${(batches / elapsedS).toFixed(1)}/s)`);
  console.log(`samples sent:    ${samplesSent} (${(samplesSent / elapsedS).toFixed(0)}/s)`);
  console.log(
    `latency:         p50 ${ms(percentile(latencies, 50))}  p90 ${ms(percentile(latencies, 90))}  ` +
      `p99 ${ms(p99)}  max ${ms(latencies.at(-1) ?? Number.NaN)}`,
  );
  console.log(
    `collector CPU:   ${collectorCpu.toFixed(1)} s (${((100 * collectorCpu) / elapsedS).toFixed(0)}% of a core, ` +
      `${((1000 * collectorCpu) / Math.max(1, batches)).toFixed(1)} ms per batch)`,
  );
  const perBatch = (k: keyof typeof statsAtEnd) =>
    ((statsAtEnd[k] - statsAtStart[k]) / Math.max(1, batches)).toFixed(1);
  console.log(
    `database:        per batch ${perBatch('xact')} commits, ${perBatch('ins')} rows inserted, ` +
      `${perBatch('upd')} updated, ${perBatch('del')} deleted, ${perBatch('ret')} read`,
  );
  console.log(
    `errors:          ${errorCount}${errorCount ? ` ${JSON.stringify(Object.fromEntries(errors))}` : ''}`,
  );
  console.log(
    `status query:    latest status of ${AGENTS * MONITORS} monitors over ${rows.rows[0]?.n} rows: ` +
      `p50 ${ms(percentile(statusTimes, 50))} (statusItemsJson, 30 runs)`,
  );
  console.log(`rows stored:     ${stored} (accepted ${acceptedRows}, acknowledged samples ${samplesAcked})`);
  console.log(
    `goals: 0 errors ${errorCount === 0 ? 'met' : 'MISSED'}; p99 < 200 ms ${p99 < 200 ? 'met' : 'MISSED'}; ` +
      `stored = sent ${stored === samplesSent ? 'met' : 'MISSED'}`,
  );
} finally {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }),
  );
  await database.close();
  if (!args.keep) await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  else console.log(`kept database ${scratch}`);
  await admin.end();
}
