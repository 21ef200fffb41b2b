import type { HistoryItem, HistoryQuery } from '@procwatch/shared';
import { type Kysely, sql } from 'kysely';
import type { Database, ProcessStatusRow } from '../db/schema.ts';
import { iso, isoOrNull } from './iso.ts';

/** Default page size of the history list. */
export const HISTORY_DEFAULT_LIMIT = 100;

/** Position after the last row of a page: (checked_at, id), newest first. */
interface HistoryCursor {
  checkedAt: string;
  id: number;
}

/** An opaque cursor for a position. */
export function encodeHistoryCursor(cursor: HistoryCursor): string {
  return Buffer.from(JSON.stringify([cursor.checkedAt, cursor.id])).toString('base64url');
}

/** The position a cursor names, or undefined if it is not one of ours. */
export function decodeHistoryCursor(text: string): HistoryCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [checkedAt, id] = value as [unknown, unknown];
    if (typeof checkedAt !== 'string' || !Number.isSafeInteger(id) || (id as number) < 1) return undefined;
    const time = Date.parse(checkedAt);
    if (Number.isNaN(time) || new Date(time).toISOString() !== checkedAt) return undefined;
    return { checkedAt, id: id as number };
  } catch {
    return undefined;
  }
}

/** A ProcessStatus row as the API shows it. */
export function historyDto(row: ProcessStatusRow): HistoryItem {
  return {
    id: row.id,
    processMonitorId: row.processMonitorId,
    status: row.status,
    pid: row.pid,
    cpu_percent: row.cpu_percent,
    memory_percent: row.memory_percent,
    memory_used_mb: row.memory_used_mb,
    uptime_seconds: row.uptime_seconds,
    start_time: isoOrNull(row.start_time),
    trade_day: row.trade_day,
    checked_at: iso(row.checked_at),
    check_duration_ms: row.check_duration_ms,
    error_message: row.error_message,
    sample_id: row.sample_id,
    source: row.source,
    seq: row.seq,
    process_count: row.process_count,
    matches: (row.matches as HistoryItem['matches']) ?? null,
    createdAt: iso(row.createdAt),
  };
}

/**
 * One page of a monitor's history, newest first, by keyset on (checked_at, id): a page costs the
 * same at any depth, and rows arriving meanwhile never shift it. `from` is inclusive, `to` exclusive.
 */
export async function historyPage(
  db: Kysely<Database>,
  monitorId: number,
  query: Omit<HistoryQuery, 'cursor'>,
  after: HistoryCursor | undefined,
): Promise<{ rows: ProcessStatusRow[]; next: string | null }> {
  const limit = query.limit ?? HISTORY_DEFAULT_LIMIT;
  let q = db.selectFrom('ProcessStatus').selectAll().where('processMonitorId', '=', monitorId);
  if (query.from !== undefined) q = q.where('checked_at', '>=', new Date(query.from));
  if (query.to !== undefined) q = q.where('checked_at', '<', new Date(query.to));
  if (query.trade_day !== undefined) q = q.where('trade_day', '=', query.trade_day);
  if (after !== undefined) {
    q = q.where(
      sql<boolean>`(checked_at, id) < (${new Date(after.checkedAt)}::timestamptz, ${after.id}::int8)`,
    );
  }
  const rows = await q
    .orderBy('checked_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    rows: page,
    next: more && last ? encodeHistoryCursor({ checkedAt: iso(last.checked_at), id: last.id }) : null,
  };
}
