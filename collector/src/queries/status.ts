import type { StatusQuery } from '@procwatch/shared';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { pgArray } from '../ingest/pg-array.ts';

// ISO-8601 in UTC with milliseconds, as JSON.stringify writes a Date, whatever the session's TimeZone.
const utc = (column: RawBuilder<unknown>) =>
  sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The status list (`StatusListSchema.items`) as JSON text, built by PostgreSQL: every monitor with
 * its current-status row (one per monitor, so this never reads history). Built in SQL and passed
 * through as text because parsing and re-serialising 10,000 rows in JS would cost more than the query.
 * Stale: no status, or the latest is older than max(3 × check_interval, the host's heartbeat timeout).
 */
export async function statusItemsJson(db: Kysely<Database>, filter: StatusQuery, now: Date): Promise<string> {
  const staleExpr = sql`(cs.checked_at IS NULL OR cs.checked_at <
    ${now}::timestamptz - make_interval(secs => greatest(3 * m.check_interval, h.heartbeat_timeout_seconds)))`;
  const where: RawBuilder<unknown>[] = [sql`true`];
  if (filter.hostServerId !== undefined) where.push(sql`m."hostServerId" = ${filter.hostServerId}`);
  if (filter.process_type !== undefined) {
    where.push(sql`m.process_type = ANY(${pgArray(filter.process_type)}::"ProcessType"[])`);
  }
  if (filter.status !== undefined) {
    where.push(sql`cs.status = ANY(${pgArray(filter.status)}::"ProcessStatusType"[])`);
  }
  if (filter.active !== undefined) where.push(sql`m.active = ${filter.active}`);
  if (filter.fundAccountId !== undefined) where.push(sql`m."fundAccountId" = ${filter.fundAccountId}`);
  if (filter.stale !== undefined) where.push(filter.stale ? staleExpr : sql`NOT ${staleExpr}`);

  const result = await sql<{ items: string }>`
    SELECT coalesce(json_agg(t ORDER BY t.host_name, t.name, t."processMonitorId"), '[]')::text AS items
    FROM (
      SELECT m.id AS "processMonitorId", m.name, m.process_type, m."hostServerId", h.name AS host_name,
        m."fundAccountId", m.active, m.check_interval,
        cs.status, ${utc(sql`cs.status_since`)} AS status_since, ${utc(sql`cs.checked_at`)} AS checked_at,
        cs.trade_day, cs.pid, cs.cpu_percent, cs.memory_percent, cs.memory_used_mb, cs.uptime_seconds,
        ${utc(sql`cs.start_time`)} AS start_time, cs.check_duration_ms, cs.error_message, cs.source,
        cs.process_count, ${staleExpr} AS stale
      FROM "ProcessMonitor" m
      JOIN "HostServer" h ON h.id = m."hostServerId"
      LEFT JOIN "ProcessCurrentStatus" cs ON cs."processMonitorId" = m.id
      WHERE ${sql.join(where, sql` AND `)}
    ) t`.execute(db);
  return result.rows[0]?.items ?? '[]';
}
