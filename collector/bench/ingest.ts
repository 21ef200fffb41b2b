/**
 * Ingest through HTTP vs raw COPY, same rows, same table, same run.
 *
 *   npx tsx collector/bench/ingest.ts [--agents 20] [--batch 100] [--batches 60] [--monitors 20] [--gzip]
 *     [--extensions] [--depends]
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; the bench makes
 * its own scratch database and drops it afterwards. It starts a real collector in its own process
 * (startCollector; without the warning engine and other extensions unless --extensions) on it, then
 * `--agents` simulated agents (undici, one keep-alive connection each) post
 * `--batches` batches of `--batch` samples each, concurrently. Then ProcessStatus is emptied and the
 * very same rows are loaded with COPY (pg-copy-streams, one connection). Prints both rates and the
 * ratio (goal: HTTP ≥ 0.5 × COPY).
 */
import '@hono/zod-openapi';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { HostWithToken, Monitor, Sample } from '@procwatch/shared';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Pool } from 'undici';
import { spawnCollector } from './support/spawn-collector.ts';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '20' },
    batch: { type: 'string', default: '100' },
    batches: { type: 'string', default: '60' },
    monitors: { type: 'string', default: '20' },
    gzip: { type: 'boolean', default: false },
    extensions: { type: 'boolean', default: false },
    // Every host's monitors but the first depend on the first (a feed and its traders): with --extensions,
    // the warning engine then walks dependencies for every batch and holds the dependents' warnings.
    depends: { type: 'boolean', default: false },
  },
});
const AGENTS = Number(args.agents);
const BATCH = Number(args.batch);
const BATCHES = Number(args.batches);
const MONITORS = Number(args.monitors);
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADMIN_TOKEN = `bench-${randomBytes(12).toString('hex')}`;

function databaseUrl(name: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

function makeBatch(monitors: readonly Monitor[], agent: number, index: number, start: number): Sample[] {
  const samples: Sample[] = [];
  for (let i = 0; i < BATCH; i += 1) {
    const monitor = monitors[i % monitors.length]!;
    const checkedAt = new Date(start + (index * BATCH + i) * 10);
    samples.push({
      sample_id: randomUUID(),
      seq: index * BATCH + i + 1,
      processMonitorId: monitor.id,
      status: i % 17 === 0 ? 'NOT_FOUND' : 'RUNNING',
      pid: i % 17 === 0 ? null : 10_000 + agent,
      cpu_percent: (i % 100) / 3,
      memory_percent: 1.25,
      memory_used_mb: 256.5,
      uptime_seconds: 3600 + index,
      start_time: new Date(start - 3_600_000).toISOString(),
      trade_day: '20261130',
      checked_at: checkedAt.toISOString(),
      check_duration_ms: 2,
      error_message: i % 17 === 0 ? 'no process matched' : null,
      process_count: i % 17 === 0 ? 0 : 1,
      matches: [],
    });
  }
  return samples;
}

// COPY text format: backslash, tab, newline and carriage return escaped; \N for NULL.
function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text =
    typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

const COPY_COLUMNS = [
  'processMonitorId',
  'status',
  'pid',
  'cpu_percent',
  'memory_percent',
  'memory_used_mb',
  'uptime_seconds',
  'start_time',
  'trade_day',
  'checked_at',
  'check_duration_ms',
  'error_message',
  'sample_id',
  'source',
  'seq',
  'process_count',
  'matches',
] as const;

function copyLine(s: Sample): string {
  const row = { ...s, source: 'AGENT' } as Record<string, unknown>;
  return `${COPY_COLUMNS.map((c) => copyField(row[c])).join('\t')}\n`;
}

async function main(): Promise<void> {
  const scratch = `procwatch_bench_ingest_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${scratch}`);
  const collector = await spawnCollector({
    DATABASE_URL: databaseUrl(scratch),
    DATABASE_POOL_MAX: String(Math.max(10, AGENTS)),
    PORT: '0',
    PROCWATCH_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    ...(args.extensions ? { BENCH_EXTENSIONS: '1' } : {}),
  });
  try {
    const adminPool = new Pool(collector.url, { connections: 4 });
    const call = async <T>(method: 'POST', path: string, body: unknown): Promise<T> => {
      const res = await adminPool.request({
        method,
        path,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.statusCode >= 300) throw new Error(`${path}: ${res.statusCode} ${await res.body.text()}`);
      return (await res.body.json()) as T;
    };
    const agents: { host: HostWithToken; monitors: Monitor[] }[] = [];
    for (let a = 0; a < AGENTS; a += 1) {
      const host = await call<HostWithToken>('POST', '/api/v1/hosts', {
        name: `bench-${a}`,
        address: '10.0.0.1',
      });
      const monitors: Monitor[] = [];
      for (let m = 0; m < MONITORS; m += 1) {
        monitors.push(
          await call<Monitor>('POST', '/api/v1/monitors', {
            name: `m-${m}`,
            process_type: 'CUSTOM',
            hostServerId: host.id,
            process_name: `proc_${m}`,
            ...(args.depends && m > 0 ? { depends_on: [monitors[0]!.id] } : {}),
          }),
        );
      }
      agents.push({ host, monitors });
    }
    await adminPool.close();

    const start = Date.now() - 3_600_000;
    // One warm-up batch per agent (JIT, connections, partitions), then the timed batches, all built upfront.
    const warmup = agents.map((a, i) => makeBatch(a.monitors, i, BATCHES, start));
    const timed = agents.map((a, i) =>
      Array.from({ length: BATCHES }, (_, b) => makeBatch(a.monitors, i, b, start)),
    );
    const encode = (samples: Sample[]) => {
      const json = JSON.stringify({ protocol: 1, samples });
      return args.gzip ? gzipSync(json) : json;
    };
    const bodies = timed.map((list) => list.map(encode));
    const pools = agents.map(() => new Pool(collector.url, { connections: 1, pipelining: 1 }));
    let accepted = 0;
    const post = async (agent: number, body: string | Buffer) => {
      const res = await pools[agent]!.request({
        method: 'POST',
        path: '/agent/v1/samples',
        headers: {
          authorization: `Bearer ${agents[agent]!.host.agent_token}`,
          'content-type': 'application/json',
          ...(args.gzip ? { 'content-encoding': 'gzip' } : {}),
        },
        body,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`ingest: ${res.statusCode} ${text}`);
      return JSON.parse(text) as { accepted: number };
    };
    await Promise.all(warmup.map((samples, i) => post(i, encode(samples))));

    const latencies: number[] = [];
    const httpStarted = performance.now();
    await Promise.all(
      bodies.map(async (list, agent) => {
        for (const body of list) {
          const t0 = performance.now();
          const result = await post(agent, body);
          accepted += result.accepted;
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const httpSeconds = (performance.now() - httpStarted) / 1000;
    await Promise.all(pools.map((p) => p.close()));
    const total = AGENTS * BATCHES * BATCH;
    if (accepted !== total) throw new Error(`accepted ${accepted} of ${total} samples`);

    // The same rows again, by COPY, into the same (emptied) table.
    const client = new pg.Client({ connectionString: databaseUrl(scratch) });
    await client.connect();
    const rows = timed.flat(2);
    let copySeconds: number;
    try {
      await client.query('TRUNCATE "ProcessStatus"');
      await client.query('VACUUM ANALYZE "ProcessStatus"');
      const text = rows.map(copyLine);
      const copyStarted = performance.now();
      const stream = client.query(
        copyFrom(`COPY "ProcessStatus" (${COPY_COLUMNS.map((c) => `"${c}"`).join(', ')}) FROM STDIN`),
      );
      await pipeline(Readable.from(text, { objectMode: false }), stream);
      copySeconds = (performance.now() - copyStarted) / 1000;
      const { rows: count } = await client.query<{ n: string }>('SELECT count(*) AS n FROM "ProcessStatus"');
      if (Number(count[0]?.n) !== total) throw new Error(`COPY stored ${count[0]?.n} of ${total} rows`);
    } finally {
      await client.end();
    }

    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
    const httpRate = total / httpSeconds;
    const copyRate = total / copySeconds;
    console.log(
      `machine: ${cpus().length} cores (${cpus()[0]?.model}), load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      `collector: own process, ${args.extensions ? 'with' : 'without'} extensions (warning engine, metrics...)`,
    );
    console.log(
      `rows: ${total} = ${AGENTS} agents × ${BATCHES} batches × ${BATCH} samples (${MONITORS} monitors per agent${args.depends ? ', all depending on the first' : ''})${args.gzip ? ', gzip bodies' : ''}`,
    );
    console.log(
      `HTTP ingest: ${httpSeconds.toFixed(2)} s, ${Math.round(httpRate)} rows/s, batch latency p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms`,
    );
    console.log(`raw COPY:    ${copySeconds.toFixed(2)} s, ${Math.round(copyRate)} rows/s`);
    console.log(`ratio HTTP/COPY: ${(httpRate / copyRate).toFixed(2)} (goal ≥ 0.5)`);
  } finally {
    await collector.stop();
    await admin(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
