/**
 * Retention benchmark: dropping a day of ProcessStatus (DETACH CONCURRENTLY + DROP, what the
 * retention job does) against a DELETE of an identical day beside it, on the real PostgreSQL.
 *
 *   npx tsx collector/bench/retention.ts [--rows 3000000] [--monitors 10000] [--url postgres://…/postgres]
 *
 * Creates a scratch database, fills two day partitions with the same number of rows, times both
 * ways of removing a day, and drops the scratch database. Goal: the drop takes ≤ 1 s whatever the size.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { createDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import {
  dropStatusPartition,
  ensureStatusPartitions,
  listStatusPartitionTables,
  partitionBounds,
  partitionName,
} from '../src/db/partitions.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '3000000' },
    monitors: { type: 'string', default: '10000' },
    url: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const rowsPerDay = Number(args.rows);
const monitorCount = Number(args.monitors);
if (!Number.isInteger(rowsPerDay) || rowsPerDay < 1 || !Number.isInteger(monitorCount) || monitorCount < 1) {
  throw new Error('--rows and --monitors must be positive integers');
}

const DROP_DAY = '20200101';
const DELETE_DAY = '20200102';
const CHUNK = 500_000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const elapsed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
};

const admin = new pg.Client({ connectionString: args.url });
await admin.connect();
const scratch = `procwatch_bench_retention_${randomBytes(4).toString('hex')}`;
await admin.query(`CREATE DATABASE ${scratch}`);
const url = new URL(args.url);
url.pathname = `/${scratch}`;
const database = await createDatabase({ databaseUrl: url.toString(), poolMax: 4 });
try {
  const db = database.db;
  await migrateToLatest(db);
  const server = await sql<{ server_version: string }>`SHOW server_version`.execute(db);
  console.log(`PostgreSQL ${server.rows[0]?.server_version}; ${rowsPerDay.toLocaleString()} rows per day`);

  await sql`INSERT INTO "HostServer" (name, address) SELECT 'host-' || h, '10.0.0.' || h FROM generate_series(1, 500) h`.execute(
    db,
  );
  await sql`INSERT INTO "ProcessMonitor" (name, process_type, "hostServerId")
    SELECT 'monitor-' || m, 'CUSTOM', 1 + m % 500 FROM generate_series(1, ${monitorCount}) m`.execute(db);
  await ensureStatusPartitions(db, [DROP_DAY, DELETE_DAY]);

  for (const day of [DROP_DAY, DELETE_DAY]) {
    const { from } = partitionBounds(day);
    const stepMs = 86_400_000 / rowsPerDay;
    const [, fillMs] = await elapsed(async () => {
      for (let offset = 0; offset < rowsPerDay; offset += CHUNK) {
        const last = Math.min(rowsPerDay, offset + CHUNK) - 1;
        // Generated server-side: the benchmark measures removal, not the client's insert speed.
        await sql`INSERT INTO "ProcessStatus" ("processMonitorId", status, pid, cpu_percent, memory_percent,
            memory_used_mb, uptime_seconds, start_time, trade_day, checked_at, check_duration_ms, sample_id,
            source, seq, process_count)
          SELECT 1 + i % ${monitorCount}, 'RUNNING', 1000 + i % ${monitorCount}, random() * 100, random() * 10,
            random() * 4096, 3600, ${from}::timestamptz, ${day},
            ${from}::timestamptz + (i * ${stepMs}::float8) * interval '1 millisecond', 2, gen_random_uuid(), 'AGENT', i, 1
          FROM generate_series(${offset}::bigint, ${last}::bigint) i`.execute(db);
      }
    });
    console.log(`filled ${partitionName(day)}: ${rowsPerDay.toLocaleString()} rows in ${seconds(fillMs)}`);
  }
  await sql`VACUUM ANALYZE "ProcessStatus"`.execute(db);
  const size = await sql<{ name: string; bytes: number }>`
    SELECT c.relname AS name, pg_total_relation_size(c.oid)::float8 AS bytes FROM pg_class c
    WHERE c.relname IN (${partitionName(DROP_DAY)}, ${partitionName(DELETE_DAY)})`.execute(db);
  for (const r of size.rows)
    console.log(`${r.name}: ${(Number(r.bytes) / 1024 / 1024).toFixed(0)} MiB with indexes`);

  // Each measurement starts right after a checkpoint, so that neither pays for the other's writes.
  await sql`CHECKPOINT`.execute(db);
  const tables = await listStatusPartitionTables(db);
  const target = tables.find((t) => t.name === partitionName(DROP_DAY));
  if (!target) throw new Error('the partition to drop is missing');
  const [steps, dropMs] = await elapsed(() => dropStatusPartition(db, target));

  await sql`CHECKPOINT`.execute(db);
  const { from, to } = partitionBounds(DELETE_DAY);
  const [deleted, deleteMs] = await elapsed(() =>
    sql`DELETE FROM "ProcessStatus" WHERE checked_at >= ${from} AND checked_at < ${to}`.execute(db),
  );

  const remaining = await sql<{ n: number }>`SELECT count(*)::int AS n FROM "ProcessStatus"`.execute(db);
  console.log('');
  console.log(
    `DELETE of one day (${Number(deleted.numAffectedRows).toLocaleString()} rows): ${seconds(deleteMs)}`,
  );
  console.log(
    `DETACH CONCURRENTLY + DROP of one day (${rowsPerDay.toLocaleString()} rows): ${seconds(dropMs)} ` +
      `(detach ${seconds(steps.detachMs)}, drop ${seconds(steps.dropMs)})`,
  );
  console.log(`rows left: ${remaining.rows[0]?.n} (expected 0)`);
  console.log(
    `goal drop ≤ 1 s: ${dropMs <= 1000 ? 'met' : 'MISSED'}; DELETE/DROP = ${(deleteMs / dropMs).toFixed(0)}×`,
  );
  console.log(
    '(the DELETE also leaves the day as dead tuples for VACUUM to reclaim; the DROP returns the space at once)',
  );
} finally {
  await database.close();
  await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  await admin.end();
}
