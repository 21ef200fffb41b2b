import { sql } from 'kysely';
import type { EngineDb, EngineTrx } from '../warnings/tables.ts';
import type { NotificationEvent, WarningNotice } from './notice.ts';

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** The notice of a warning as it stands now in the transaction. */
export async function noticeOf(
  trx: EngineTrx | EngineDb,
  warningId: number,
  event: Exclude<NotificationEvent, 'test'>,
  reminderNo = 0,
): Promise<WarningNotice | undefined> {
  const row = await trx
    .selectFrom('OpsWarning as w')
    .leftJoin('HostServer as h', 'h.id', 'w.hostServerId')
    .leftJoin('ProcessMonitor as m', 'm.id', 'w.processMonitorId')
    .select([
      'w.id',
      'w.type',
      'w.status',
      'w.title',
      'w.message',
      'w.hostServerId',
      'h.name as hostName',
      'w.processMonitorId',
      'm.name as monitorName',
      'w.count',
      'w.first_seen_at',
      'w.last_seen_at',
      'w.resolved_at',
      'w.resolve_reason',
    ])
    .where('w.id', '=', warningId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    event,
    warning: {
      id: row.id,
      type: row.type,
      status: row.status,
      title: row.title,
      message: row.message,
      host:
        row.hostServerId === null
          ? null
          : { id: row.hostServerId, name: row.hostName ?? `#${row.hostServerId}` },
      monitor:
        row.processMonitorId === null
          ? null
          : { id: row.processMonitorId, name: row.monitorName ?? `#${row.processMonitorId}` },
      count: row.count,
      first_seen_at: iso(row.first_seen_at) ?? '',
      last_seen_at: iso(row.last_seen_at) ?? '',
      resolved_at: iso(row.resolved_at),
      resolve_reason: row.resolve_reason,
      reminder_no: reminderNo,
    },
  };
}

/**
 * Queues the notification of a warning's change for every enabled channel whose filters (types, hosts,
 * events) let it through. Call it inside the transaction that made the change: the message then exists
 * exactly when the change committed, and the delivery loop sends it whatever happens to this process.
 * Returns how many deliveries were queued.
 */
export async function enqueueWarningNotifications(
  trx: EngineTrx,
  warningId: number,
  event: Exclude<NotificationEvent, 'test'>,
  now: Date,
  reminderNo = 0,
): Promise<number> {
  const notice = await noticeOf(trx, warningId, event, reminderNo);
  if (notice === undefined) return 0;
  const hostId = notice.warning.host?.id ?? null;
  const result = await sql<{ id: number }>`
    INSERT INTO "NotificationDelivery" ("channelId", "opsWarningId", event, reminder_no, payload, next_attempt_at)
    SELECT c.id, ${warningId}, ${event}, ${reminderNo}, ${JSON.stringify(notice)}::jsonb, ${now.toISOString()}::timestamptz
    FROM "NotificationChannel" c
    WHERE c.enabled
      AND (cardinality(c.types) = 0 OR ${notice.warning.type}::text = ANY (c.types))
      AND (cardinality(c."hostServerIds") = 0 OR ${hostId}::int = ANY (c."hostServerIds"))
      AND (cardinality(c.events) = 0 OR ${event}::text = ANY (c.events))
    ON CONFLICT DO NOTHING
    RETURNING id`.execute(trx);
  return result.rows.length;
}

/** Queues a test message for one channel (no warning behind it); returns the delivery id. */
export async function enqueueTestNotification(
  db: EngineDb,
  channelId: number,
  notice: WarningNotice,
  now: Date,
): Promise<number> {
  const row = await db
    .insertInto('NotificationDelivery')
    .values({
      channelId,
      opsWarningId: null,
      event: 'test',
      payload: JSON.stringify(notice),
      next_attempt_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
