import type { SampleSource } from '@procwatch/shared';
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import type { Database } from '../db/schema.ts';
import { pgArray } from './pg-array.ts';
import type { StoredSampleInfo } from './stored-sample.ts';

/** A ProcessStatus row as the ingest statement returns it. */
export type InsertedRow = Omit<StoredSampleInfo, 'hostServerId'>;

/** The samples of a batch, column by column, instants already cut to milliseconds. */
export interface SampleColumns {
  processMonitorId: number[];
  status: string[];
  pid: (number | null)[];
  cpu_percent: (number | null)[];
  memory_percent: (number | null)[];
  memory_used_mb: (number | null)[];
  uptime_seconds: (number | null)[];
  start_time: (string | null)[];
  trade_day: string[];
  checked_at: string[];
  check_duration_ms: (number | null)[];
  error_message: (string | null)[];
  sample_id: string[];
  seq: (number | null)[];
  process_count: number[];
  matches: (string | null)[];
}

/**
 * Stores a batch in ONE statement (one round trip, one implicit transaction), so that ingest costs
 * what the data costs:
 * - `foreign`: monitors of the batch that are not the host's; if any, nothing below writes.
 * - `inserted`: the history rows, `unnest` (parameters per column, not per value: PGlite breaks at
 *   32,768 parameters and pg at 65,535), idempotent on (sample_id, checked_at).
 * - `ranked`/`breaks`/`runs`: per monitor, the newest new row (rn 1) and where its status run starts:
 *   the run ends at the first older row with another status (break_rn). `covers`: every new row agrees.
 *   Window functions and grouped joins, not correlated subqueries: a batch costs little beyond its insert.
 * - the current-status upsert moves only forward in checked_at; status_since stays when the status is
 *   the same and the batch agrees, else becomes the run's start.
 * - the host's last heartbeat (agent samples only).
 * Returns how many rows are new (none with a foreign monitor) and, when `withRows` (someone listens
 * to onSamplesStored), the rows themselves in checked_at order.
 */
export async function runIngestStatement(
  db: Kysely<Database>,
  columns: SampleColumns,
  hostServerId: number,
  source: SampleSource,
  now: Date,
  withRows: boolean,
  pool?: pg.Pool,
): Promise<{ accepted: number; rows: InsertedRow[] }> {
  const c = columns;
  const query = sql<InsertedRow & { accepted?: number }>`
    WITH input AS (
      SELECT * FROM unnest(
        ${pgArray(c.processMonitorId)}::int4[], ${pgArray(c.status)}::"ProcessStatusType"[],
        ${pgArray(c.pid)}::int4[], ${pgArray(c.cpu_percent)}::float8[], ${pgArray(c.memory_percent)}::float8[],
        ${pgArray(c.memory_used_mb)}::float8[], ${pgArray(c.uptime_seconds)}::int4[],
        ${pgArray(c.start_time)}::timestamptz[], ${pgArray(c.trade_day)}::text[],
        ${pgArray(c.checked_at)}::timestamptz[], ${pgArray(c.check_duration_ms)}::int4[],
        ${pgArray(c.error_message)}::text[], ${pgArray(c.sample_id)}::uuid[], ${pgArray(c.seq)}::int8[],
        ${pgArray(c.process_count)}::int4[], ${pgArray(c.matches)}::jsonb[]
      ) AS i("processMonitorId", status, pid, cpu_percent, memory_percent, memory_used_mb, uptime_seconds,
             start_time, trade_day, checked_at, check_duration_ms, error_message, sample_id, seq,
             process_count, matches)
    ),
    foreign_monitors AS (
      SELECT 1 FROM input i
      WHERE NOT EXISTS (
        SELECT 1 FROM "ProcessMonitor" m WHERE m.id = i."processMonitorId" AND m."hostServerId" = ${hostServerId}
      )
      LIMIT 1
    ),
    inserted AS (
      INSERT INTO "ProcessStatus" ("processMonitorId", status, pid, cpu_percent, memory_percent,
        memory_used_mb, uptime_seconds, start_time, trade_day, checked_at, check_duration_ms, error_message,
        sample_id, source, seq, process_count, matches)
      SELECT "processMonitorId", status, pid, cpu_percent, memory_percent, memory_used_mb, uptime_seconds,
        start_time, trade_day, checked_at, check_duration_ms, error_message, sample_id,
        ${source}::"SampleSource", seq, process_count, matches
      FROM input WHERE NOT EXISTS (SELECT 1 FROM foreign_monitors)
      ON CONFLICT (sample_id, checked_at) DO NOTHING
      RETURNING *
    ),
    ranked AS (
      SELECT ins.*, row_number() OVER w AS rn, first_value(ins.status) OVER w AS latest_status
      FROM inserted ins
      WINDOW w AS (PARTITION BY "processMonitorId" ORDER BY checked_at DESC, id DESC)
    ),
    breaks AS (
      SELECT "processMonitorId", min(rn) FILTER (WHERE status <> latest_status) AS break_rn
      FROM ranked GROUP BY "processMonitorId"
    ),
    runs AS (
      SELECT r."processMonitorId", b.break_rn IS NULL AS covers,
        min(r.checked_at) FILTER (WHERE r.rn < coalesce(b.break_rn, 2147483647)) AS run_start
      FROM ranked r JOIN breaks b USING ("processMonitorId")
      GROUP BY r."processMonitorId", b.break_rn
    ),
    latest AS (
      SELECT r.*, u.covers, u.run_start FROM ranked r JOIN runs u USING ("processMonitorId") WHERE r.rn = 1
    ),
    current_status AS (
      INSERT INTO "ProcessCurrentStatus" ("processMonitorId", status, pid, cpu_percent, memory_percent,
        memory_used_mb, uptime_seconds, start_time, trade_day, checked_at, check_duration_ms, error_message,
        sample_id, source, seq, process_count, matches, status_since, "updatedAt")
      SELECT "processMonitorId", status, pid, cpu_percent, memory_percent, memory_used_mb, uptime_seconds,
        start_time, trade_day, checked_at, check_duration_ms, error_message, sample_id, source, seq,
        process_count, matches, run_start, ${now}::timestamptz
      FROM latest
      ON CONFLICT ("processMonitorId") DO UPDATE SET
        status = excluded.status, pid = excluded.pid, cpu_percent = excluded.cpu_percent,
        memory_percent = excluded.memory_percent, memory_used_mb = excluded.memory_used_mb,
        uptime_seconds = excluded.uptime_seconds, start_time = excluded.start_time,
        trade_day = excluded.trade_day, checked_at = excluded.checked_at,
        check_duration_ms = excluded.check_duration_ms, error_message = excluded.error_message,
        sample_id = excluded.sample_id, source = excluded.source, seq = excluded.seq,
        process_count = excluded.process_count, matches = excluded.matches,
        status_since = CASE
          WHEN "ProcessCurrentStatus".status = excluded.status
            AND (SELECT l.covers FROM latest l WHERE l."processMonitorId" = excluded."processMonitorId")
          THEN "ProcessCurrentStatus".status_since
          ELSE excluded.status_since
        END,
        "updatedAt" = excluded."updatedAt"
      WHERE excluded.checked_at > "ProcessCurrentStatus".checked_at
      RETURNING 1
    ),
    heartbeat AS (
      UPDATE "HostServer" SET last_heartbeat_at = ${now}::timestamptz
      WHERE id = ${hostServerId} AND ${source === 'AGENT'} AND NOT EXISTS (SELECT 1 FROM foreign_monitors)
      RETURNING 1
    )
    ${
      withRows
        ? sql`SELECT id, "processMonitorId", status, pid, cpu_percent, memory_percent, memory_used_mb,
            uptime_seconds, start_time, trade_day, checked_at, check_duration_ms, error_message, sample_id,
            source, seq, process_count, "createdAt"
          FROM inserted ORDER BY checked_at, id`
        : sql`SELECT count(*)::int AS accepted FROM inserted`
    }`;
  let rows: (InsertedRow & { accepted?: number })[];
  if (pool) {
    // A named statement: PostgreSQL parses and plans it once per connection, not once per batch (the
    // text is the same for every batch; only the parameters change).
    const compiled = query.compile(db);
    const result = await pool.query<InsertedRow & { accepted?: number }>({
      name: withRows ? 'procwatch_ingest_rows_v1' : 'procwatch_ingest_count_v1',
      text: compiled.sql,
      values: compiled.parameters as unknown[],
    });
    rows = result.rows;
  } else {
    rows = (await query.execute(db)).rows;
  }
  if (withRows) return { accepted: rows.length, rows };
  return { accepted: Number(rows[0]?.accepted ?? 0), rows: [] };
}
