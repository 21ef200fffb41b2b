import type { OpsWarningType } from '@procwatch/shared';
import { sql } from 'kysely';
import { enqueueWarningNotifications } from '../notify/outbox.ts';
import type { WarningAction } from './model.ts';
import type { EngineTrx } from './tables.ts';

/** What a warning is about: a monitor (on its host) or a whole host. */
export interface WarningTarget {
  readonly hostServerId: number;
  readonly processMonitorId: number | null;
}

/** `monitor:<id>:<TYPE>` or `host:<id>:<TYPE>`: the key of the partial unique index on unresolved warnings. */
export function dedupKeyOf(target: WarningTarget, type: OpsWarningType): string {
  return target.processMonitorId === null
    ? `host:${target.hostServerId}:${type}`
    : `monitor:${target.processMonitorId}:${type}`;
}

/** What applying actions changed. */
export interface AppliedChanges {
  opened: number[];
  bumped: number[];
  resolved: number[];
  /** Notifications queued. */
  deliveries: number;
}

/** An empty {@link AppliedChanges}. */
export function noChanges(): AppliedChanges {
  return { opened: [], bumped: [], resolved: [], deliveries: 0 };
}

/**
 * Applies a transition's actions inside the caller's transaction. A raise is one upsert on the partial unique
 * index: it opens a warning, or bumps count and last_seen_at of the unresolved one, so even collectors that
 * race past the state lock (AGENT_OFFLINE has none) cannot open two. Only a real open or resolve queues
 * notifications, which is what makes them one per incident.
 */
export async function applyWarningActions(
  trx: EngineTrx,
  target: WarningTarget,
  actions: readonly WarningAction[],
  now: Date,
  into: AppliedChanges = noChanges(),
): Promise<AppliedChanges> {
  for (const action of actions) {
    const dedupKey = dedupKeyOf(target, action.type);
    if (action.kind === 'raise') {
      const { rows } = await sql<{ id: number; inserted: boolean }>`
        INSERT INTO "OpsWarning" (type, status, "hostServerId", "processMonitorId", dedup_key, title, message,
          details, count, first_seen_at, last_seen_at, last_notified_at)
        VALUES (${action.type}::"OpsWarningType", 'OPEN', ${target.hostServerId}, ${target.processMonitorId},
          ${dedupKey}, ${action.title}, ${action.message}, ${JSON.stringify(action.details)}::jsonb, 1,
          ${action.at.toISOString()}::timestamptz, ${action.at.toISOString()}::timestamptz,
          ${now.toISOString()}::timestamptz)
        ON CONFLICT (dedup_key) WHERE status <> 'RESOLVED' DO UPDATE SET
          count = "OpsWarning".count + 1,
          message = CASE WHEN ${action.append === true}::boolean
            THEN left("OpsWarning".message || ' ' || EXCLUDED.message, 8000) ELSE "OpsWarning".message END,
          details = CASE WHEN ${action.append === true}::boolean
            THEN COALESCE("OpsWarning".details, '{}'::jsonb) || EXCLUDED.details ELSE "OpsWarning".details END,
          last_seen_at = GREATEST("OpsWarning".last_seen_at, EXCLUDED.last_seen_at),
          "updatedAt" = now()
        RETURNING id, (xmax = 0) AS inserted`.execute(trx);
      const row = rows[0];
      if (row === undefined) continue;
      if (row.inserted) {
        into.opened.push(row.id);
        into.deliveries += await enqueueWarningNotifications(trx, row.id, 'opened', now);
      } else {
        into.bumped.push(row.id);
      }
    } else {
      const { rows } = await sql<{ id: number }>`
        UPDATE "OpsWarning" SET status = 'RESOLVED', resolved_at = ${action.at.toISOString()}::timestamptz,
          resolve_reason = ${action.reason}, "updatedAt" = now()
        WHERE dedup_key = ${dedupKey} AND status <> 'RESOLVED'
        RETURNING id`.execute(trx);
      for (const row of rows) {
        into.resolved.push(row.id);
        into.deliveries += await enqueueWarningNotifications(trx, row.id, 'resolved', now);
      }
    }
  }
  return into;
}
