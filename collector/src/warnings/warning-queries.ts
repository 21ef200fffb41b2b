import type { Warning, WarningAck, WarningListQuery, WarningPage } from '@procwatch/shared';
import { sql } from 'kysely';
import type { EngineDb } from './tables.ts';

const DEFAULT_LIMIT = 100;

function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : iso(value);
}

// Keyset cursor over (last_seen_at DESC, id DESC): stable while new warnings arrive at the top.
function encodeCursor(lastSeenAt: string, id: number): string {
  return Buffer.from(`${lastSeenAt}|${id}`, 'utf8').toString('base64url');
}

/** The (last_seen_at, id) a cursor points after, or undefined if it is not one of ours. */
export function decodeWarningCursor(cursor: string): { lastSeenAt: string; id: number } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([1-9]\d{0,9})$/.exec(text);
  if (match === null || Number.isNaN(Date.parse(match[1]!))) return undefined;
  return { lastSeenAt: match[1]!, id: Number(match[2]) };
}

function baseQuery(db: EngineDb) {
  return db
    .selectFrom('OpsWarning as w')
    .leftJoin('HostServer as h', 'h.id', 'w.hostServerId')
    .leftJoin('ProcessMonitor as m', 'm.id', 'w.processMonitorId')
    .leftJoin('ProcessMonitor as cause', 'cause.id', 'w.suppressed_by')
    .selectAll('w')
    .select(['h.name as host_name', 'm.name as monitor_name', 'cause.name as suppressed_by_name']);
}

type WarningRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>;

/** A warning row as the API shows it. */
export function warningDto(row: WarningRow): Warning {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    hostServerId: row.hostServerId,
    host_name: row.host_name,
    processMonitorId: row.processMonitorId,
    monitor_name: row.monitor_name,
    dedup_key: row.dedup_key,
    title: row.title,
    message: row.message,
    details: row.details,
    count: row.count,
    first_seen_at: iso(row.first_seen_at),
    last_seen_at: iso(row.last_seen_at),
    acknowledged_at: isoOrNull(row.acknowledged_at),
    acknowledged_by: row.acknowledged_by,
    ack_note: row.ack_note,
    resolved_at: isoOrNull(row.resolved_at),
    resolve_reason: row.resolve_reason,
    reminder_count: row.reminder_count,
    suppressed_by: row.suppressed_by,
    suppressed_by_name: row.suppressed_by === null ? null : row.suppressed_by_name,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** One page of warnings, newest (by last_seen_at) first; undefined when the cursor is not valid. */
export async function listWarnings(db: EngineDb, query: WarningListQuery): Promise<WarningPage | undefined> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  let select = baseQuery(db);
  if (query.status) select = select.where('w.status', 'in', query.status);
  if (query.type) select = select.where('w.type', 'in', query.type);
  if (query.hostServerId !== undefined) select = select.where('w.hostServerId', '=', query.hostServerId);
  if (query.processMonitorId !== undefined)
    select = select.where('w.processMonitorId', '=', query.processMonitorId);
  if (query.since !== undefined) select = select.where('w.last_seen_at', '>=', new Date(query.since));
  if (query.suppressed !== undefined) {
    select = select.where('w.suppressed_by', query.suppressed ? 'is not' : 'is', null);
  }
  if (query.cursor !== undefined) {
    const after = decodeWarningCursor(query.cursor);
    if (after === undefined) return undefined;
    select = select.where(
      sql<boolean>`(w.last_seen_at, w.id) < (${after.lastSeenAt}::timestamptz, ${after.id}::int)`,
    );
  }
  const rows = await select
    .orderBy('w.last_seen_at', 'desc')
    .orderBy('w.id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(warningDto),
    next_cursor: rows.length > limit && last ? encodeCursor(iso(last.last_seen_at), last.id) : null,
  };
}

/** One warning, or undefined. */
export async function findWarning(db: EngineDb, id: number): Promise<Warning | undefined> {
  const row = await baseQuery(db).where('w.id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : warningDto(row);
}

/** Outcome of an acknowledgement. */
export type AckOutcome =
  | { readonly ok: true; readonly warning: Warning }
  | {
      readonly ok: false;
      readonly reason: 'not_found' | 'resolved' | 'acknowledged';
      readonly warning?: Warning;
    };

/**
 * OPEN → ACKNOWLEDGED with who, when and a note. Only an OPEN warning can be acknowledged: a resolved one is
 * over, and an acknowledged one already has an owner (the answer names them).
 */
export async function acknowledgeWarning(
  db: EngineDb,
  id: number,
  ack: WarningAck,
  now: Date,
): Promise<AckOutcome> {
  const updated = await db
    .updateTable('OpsWarning')
    .set({
      status: 'ACKNOWLEDGED',
      acknowledged_at: now,
      acknowledged_by: ack.by,
      ack_note: ack.note ?? null,
      updatedAt: now,
    })
    .where('id', '=', id)
    .where('status', '=', 'OPEN')
    .returning('id')
    .executeTakeFirst();
  const warning = await findWarning(db, id);
  if (warning === undefined) return { ok: false, reason: 'not_found' };
  if (updated !== undefined) return { ok: true, warning };
  return { ok: false, reason: warning.status === 'RESOLVED' ? 'resolved' : 'acknowledged', warning };
}
