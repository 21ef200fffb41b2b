/**
 * `GET /api/v1/status` for 10,000 monitors with 10 million history rows.
 *
 *   npx tsx collector/bench/status-query.ts [--monitors 10000] [--rows 10000000] [--requests 100]
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; the bench makes
 * its own scratch database and drops it afterwards. History is generated in SQL (generate_series)
 * over the last three days: each day is loaded into a plain table and then attached as the day's
 * partition, so the indexes and the foreign key are built in bulk rather than row by row. The
 * current-status rows are derived from that history (newest row per monitor). Then a collector in
 * its own process serves the requests, one after another, first with every list generated anew
 * (PROCWATCH_STATUS_CACHE_MS=0), then with the default 1 s response cache, plain and gzip, and the
 * bench prints the latency distributions (goal: p50 ≤ 20 ms) beside the same "latest per monitor"
 * read from history, for contrast.
 */
import '@hono/zod-openapi';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { Pool } from 'undici';
import { createDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { partitionBounds, partitionDay, partitionName } from '../src/db/partitions.ts';
import { spawnCollector } from './support/spawn-collector.ts';

const { values: args } = parseArgs({
  options: {
    monitors: { type: 'string', default: '10000' },
    rows: { type: 'string', default: '10000000' },
    requests: { type: 'string', default: '100' },
  },
});
const MONITORS = Number(args.monitors);
const ROWS = Number(args.rows);
const REQUESTS = Number(args.requests);
const MONITORS_PER_HOST = 20;
const DAYS = 3;
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADMIN_TOKEN = `bench-${randomBytes(12).toString('hex')}`;

function databaseUrl(name: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  console.log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function load(url: string): Promise<void> {
  const database = await createDatabase({ databaseUrl: url, poolMax: 2 });
  await migrateToLatest(database.db);
  await database.close();

  await withClient(url, async (client) => {
    // Index builds on ATTACH sort in memory when they can.
    await client.query("SET maintenance_work_mem = '256MB'");
    const hosts = Math.ceil(MONITORS / MONITORS_PER_HOST);
    await timed(`${hosts} hosts, ${MONITORS} monitors`, async () => {
      await client.query(
        `INSERT INTO "HostServer" (name, address, heartbeat_timeout_seconds)
         SELECT 'bench-host-' || g, '10.0.' || (g / 250) || '.' || (g % 250), 45 FROM generate_series(1, $1) g`,
        [hosts],
      );
      await client.query(
        `INSERT INTO "ProcessMonitor" (name, process_type, "hostServerId", process_name, check_interval)
         SELECT 'monitor-' || g,
           (ARRAY['TRADER','QUOTE','COMMUNICATION','CUSTOM']::"ProcessType"[])[1 + g % 4],
           h.id, 'proc_' || (g % ${MONITORS_PER_HOST}), 5
         FROM generate_series(0, $1 - 1) g
         JOIN "HostServer" h ON h.name = 'bench-host-' || (1 + g / ${MONITORS_PER_HOST})`,
        [MONITORS],
      );
    });
    const { rows: range } = await client.query<{ first: number }>(
      'SELECT min(id) AS first FROM "ProcessMonitor"',
    );
    const firstMonitor = Number(range[0]!.first);

    // Rows are spread evenly over the last DAYS days, newest at "now": row g is g × step before now.
    const now = Date.now();
    const stepMs = (DAYS * 86_400_000) / ROWS;
    const days = Array.from({ length: DAYS + 1 }, (_, i) =>
      partitionDay(new Date(now - (DAYS - i) * 86_400_000)),
    );
    await timed(`${ROWS} history rows over ${days.length} day partitions (load, then attach)`, async () => {
      for (const day of days) {
        const { from, to } = partitionBounds(day);
        const name = partitionName(day);
        // Rows g with now - g·step in [from, to).
        const gFrom = Math.max(1, Math.floor((now - to.getTime()) / stepMs) - 1);
        const gTo = Math.min(ROWS, Math.ceil((now - from.getTime()) / stepMs) + 1);
        if (gTo < gFrom) continue;
        const staging = `${name}_load`;
        await client.query(`DROP TABLE IF EXISTS "${name}"`);
        await client.query(`CREATE TABLE "${staging}" (LIKE "ProcessStatus" INCLUDING DEFAULTS)`);
        await client.query(
          `INSERT INTO "${staging}" ("processMonitorId", status, pid, cpu_percent, memory_percent, memory_used_mb,
             uptime_seconds, start_time, trade_day, checked_at, check_duration_ms, error_message, sample_id,
             source, seq, process_count, matches)
           SELECT $1::int + g % $2::int,
             CASE WHEN g % 97 = 0 THEN 'NOT_FOUND' ELSE 'RUNNING' END::"ProcessStatusType",
             CASE WHEN g % 97 = 0 THEN NULL ELSE 1000 + g % 30000 END,
             (g % 1000) / 10.0, (g % 500) / 100.0, 100 + g % 900, 3600 + g % 86400,
             t - interval '1 hour', to_char(t AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD'), t, 2,
             CASE WHEN g % 97 = 0 THEN 'no process matched' END, gen_random_uuid(), 'AGENT', g, 1, NULL
           FROM generate_series($3::int, $4::int) g,
             LATERAL (SELECT date_trunc('milliseconds', to_timestamp(($5::float8 - g * $6::float8) / 1000)) AS t) x
           WHERE t >= $7::timestamptz AND t < $8::timestamptz`,
          [firstMonitor, MONITORS, gFrom, gTo, now, stepMs, from.toISOString(), to.toISOString()],
        );
        await client.query(`ALTER TABLE "ProcessStatus" ATTACH PARTITION "${staging}"
          FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`);
        await client.query(`ALTER TABLE "${staging}" RENAME TO "${name}"`);
      }
    });
    await timed('current status of every monitor, from its newest history row', async () => {
      await client.query(
        `INSERT INTO "ProcessCurrentStatus" ("processMonitorId", status, pid, cpu_percent, memory_percent,
           memory_used_mb, uptime_seconds, start_time, trade_day, checked_at, check_duration_ms, error_message,
           sample_id, source, seq, process_count, matches, status_since)
         SELECT s."processMonitorId", s.status, s.pid, s.cpu_percent, s.memory_percent, s.memory_used_mb,
           s.uptime_seconds, s.start_time, s.trade_day, s.checked_at, s.check_duration_ms, s.error_message,
           s.sample_id, s.source, s.seq, s.process_count, s.matches, s.checked_at
         FROM "ProcessMonitor" m CROSS JOIN LATERAL (
           SELECT * FROM "ProcessStatus" p WHERE p."processMonitorId" = m.id ORDER BY p.checked_at DESC LIMIT 1
         ) s`,
      );
      await client.query('UPDATE "HostServer" SET last_heartbeat_at = now()');
    });
    // Statistics only (no VACUUM): the status list reads the small tables; history needs its plan stats.
    await timed('ANALYZE', () => client.query('ANALYZE'));
  });
}

async function main(): Promise<void> {
  const scratch = `procwatch_bench_status_${randomBytes(4).toString('hex')}`;
  await withClient(BASE_URL, (c) => c.query(`CREATE DATABASE ${scratch}`));
  const url = databaseUrl(scratch);
  const started = performance.now();
  try {
    console.log(`loading ${MONITORS} monitors and ${ROWS} history rows:`);
    await load(url);
    const { historyRows, current } = await withClient(url, async (client) => {
      const h = await client.query<{ n: string }>('SELECT count(*) AS n FROM "ProcessStatus"');
      const c = await client.query<{ n: string }>('SELECT count(*) AS n FROM "ProcessCurrentStatus"');
      return { historyRows: Number(h.rows[0]!.n), current: Number(c.rows[0]!.n) };
    });

    const run = async (cacheMs: number) => {
      await using collector = await spawnCollector({
        DATABASE_URL: url,
        PORT: '0',
        PROCWATCH_ADMIN_TOKEN: ADMIN_TOKEN,
        PROCWATCH_STATUS_CACHE_MS: String(cacheMs),
        LOG_LEVEL: 'warn',
      });
      const pool = new Pool(collector.url, { connections: 1 });
      const get = async (path: string, gzip: boolean) => {
        const t0 = performance.now();
        const res = await pool.request({
          method: 'GET',
          path,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(gzip ? { 'accept-encoding': 'gzip' } : {}) },
        });
        const raw = Buffer.from(await res.body.arrayBuffer());
        const ms = performance.now() - t0;
        if (res.statusCode !== 200)
          throw new Error(`${path}: ${res.statusCode} ${raw.toString().slice(0, 200)}`);
        return { ms, raw, body: gzip ? gunzipSync(raw).toString('utf8') : raw.toString('utf8') };
      };
      const measure = async (path: string, n: number, gzip = false) => {
        for (let i = 0; i < 3; i += 1) await get(path, gzip);
        const times: number[] = [];
        let last = { raw: Buffer.alloc(0), body: '' };
        for (let i = 0; i < n; i += 1) {
          const r = await get(path, gzip);
          times.push(r.ms);
          last = r;
        }
        times.sort((a, b) => a - b);
        const items = (JSON.parse(last.body) as { items: unknown[] }).items.length;
        return { times, items, bytes: last.raw.length };
      };
      try {
        return {
          all: await measure('/api/v1/status', REQUESTS),
          gzip: await measure('/api/v1/status', REQUESTS, true),
          down: await measure('/api/v1/status?status=NOT_FOUND,STOPPED,ERROR', REQUESTS),
          oneHost: await measure('/api/v1/status?hostServerId=1', REQUESTS),
        };
      } finally {
        await pool.close();
      }
    };
    const uncached = await run(0);
    const cached = await run(1000);

    // For contrast: the same "latest per monitor" read from history instead of ProcessCurrentStatus.
    const fromHistory = await withClient(url, async (client) => {
      const times: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const t0 = performance.now();
        await client.query(
          `SELECT m.id, s.status, s.checked_at FROM "ProcessMonitor" m CROSS JOIN LATERAL (
             SELECT status, checked_at FROM "ProcessStatus" p WHERE p."processMonitorId" = m.id
             ORDER BY p.checked_at DESC LIMIT 1) s`,
        );
        times.push(performance.now() - t0);
      }
      return times.sort((a, b) => a - b);
    });

    const line = (label: string, r: { times: number[]; items: number; bytes: number }) =>
      console.log(
        `  ${label}: p50 ${pct(r.times, 50).toFixed(1)} ms, p95 ${pct(r.times, 95).toFixed(1)} ms, ` +
          `p99 ${pct(r.times, 99).toFixed(1)} ms (${r.items} items, ${(r.bytes / 1024).toFixed(0)} KiB, ${r.times.length} requests)`,
      );
    console.log(
      `machine: ${cpus().length} cores (${cpus()[0]?.model}), load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      `data: ${MONITORS} monitors, ${historyRows} ProcessStatus rows, ${current} ProcessCurrentStatus rows`,
    );
    for (const [label, r] of [
      ['every request generated (PROCWATCH_STATUS_CACHE_MS=0)', uncached],
      ['default 1 s response cache', cached],
    ] as const) {
      console.log(`${label}:`);
      line('GET /api/v1/status (all)', r.all);
      line('GET /api/v1/status (all), Accept-Encoding: gzip', r.gzip);
      line('GET /api/v1/status?status=NOT_FOUND,STOPPED,ERROR', r.down);
      line('GET /api/v1/status?hostServerId=1', r.oneHost);
    }
    console.log(
      `contrast, latest row per monitor read from history (lateral join, SQL only): p50 ${pct(fromHistory, 50).toFixed(1)} ms`,
    );
    const p50 = pct(cached.all.times, 50);
    console.log(
      `goal: p50 ≤ 20 ms for all monitors — ${p50 <= 20 ? 'met' : 'not met'} (${p50.toFixed(1)} ms, default config)`,
    );
  } finally {
    await withClient(BASE_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`));
    console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
