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
  /** Opened held by a down dependency (also in `opened`): no notification. */
  suppressed: number[];
  /** Held warnings released (the dependency is back, the trouble is not): notified now. */
  released: number[];
  /** Notifications queued. */
  deliveries: number;
}

/** An empty {@link AppliedChanges}. */
export function noChanges(): AppliedChanges {
  return { opened: [], bumped: [], resolved: [], suppressed: [], released: [], deliveries: 0 };
}

// Said when a held warning is released: what it said at opening ("caused by …") is no longer the story.
const RELEASE_NOTE = 'Its dependencies are up again and this is not: notified now.';

/**
 * Applies a transition's actions inside the caller's transaction. A raise is one upsert on the partial unique
 * index: it opens a warning, or bumps count and last_seen_at of the unresolved one, so even collectors that
 * race past the state lock (AGENT_OFFLINE has none) cannot open two. Only a real open or resolve queues
 * notifications, which is what makes them one per incident.
 *
 * A raise with `suppressedBy` opens the warning held (`suppressed_by` set, no notification); a later raise
 * without it releases a held warning (suppressed_by cleared, the 'opened' notification queued then); a held
 * warning that resolves was never announced, so its resolution is not either. A warning already announced
 * stays announced when a dependency goes down afterwards.
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
      const suppressedBy = action.suppressedBy?.id ?? null;
      // `before` reads the row as it was when the statement started: all parts of one statement share a
      // snapshot. The state lock serialises raises of one monitor, so nothing changes the row in between.
      const { rows } = await sql<{ id: number; inserted: boolean; released: boolean }>`
        WITH before AS (
          SELECT id, suppressed_by FROM "OpsWarning" WHERE dedup_key = ${dedupKey} AND status <> 'RESOLVED'
        ), upsert AS (
          INSERT INTO "OpsWarning" (type, status, "hostServerId", "processMonitorId", dedup_key, title, message,
            details, count, first_seen_at, last_seen_at, last_notified_at, suppressed_by)
          VALUES (${action.type}::"OpsWarningType", 'OPEN', ${target.hostServerId}, ${target.processMonitorId},
            ${dedupKey}, ${action.title}, ${action.message}, ${JSON.stringify(action.details)}::jsonb, 1,
            ${action.at.toISOString()}::timestamptz, ${action.at.toISOString()}::timestamptz,
            ${now.toISOString()}::timestamptz, ${suppressedBy}::int)
          ON CONFLICT (dedup_key) WHERE status <> 'RESOLVED' DO UPDATE SET
            count = "OpsWarning".count + 1,
            message = CASE
              WHEN ${action.append === true}::boolean
                THEN left("OpsWarning".message || ' ' || EXCLUDED.message, 8000)
              WHEN "OpsWarning".suppressed_by IS NOT NULL AND EXCLUDED.suppressed_by IS NULL
                THEN left("OpsWarning".message || ' ' || ${RELEASE_NOTE}, 8000)
              ELSE "OpsWarning".message END,
            details = CASE WHEN ${action.append === true}::boolean
              THEN COALESCE("OpsWarning".details, '{}'::jsonb) || EXCLUDED.details ELSE "OpsWarning".details END,
            last_seen_at = GREATEST("OpsWarning".last_seen_at, EXCLUDED.last_seen_at),
            -- Held until now: reminders count from the notification, not from the opening.
            last_notified_at = CASE WHEN "OpsWarning".suppressed_by IS NOT NULL AND EXCLUDED.suppressed_by IS NULL
              THEN EXCLUDED.last_notified_at ELSE "OpsWarning".last_notified_at END,
            suppressed_by = CASE WHEN EXCLUDED.suppressed_by IS NULL THEN NULL ELSE "OpsWarning".suppressed_by END,
            "updatedAt" = now()
          RETURNING id, (xmax = 0) AS inserted, suppressed_by
        )
        SELECT upsert.id, upsert.inserted,
          (NOT upsert.inserted AND before.suppressed_by IS NOT NULL AND upsert.suppressed_by IS NULL) AS released
        FROM upsert LEFT JOIN before ON before.id = upsert.id`.execute(trx);
      const row = rows[0];
      if (row === undefined) continue;
      if (row.inserted) {
        into.opened.push(row.id);
        if (suppressedBy === null) {
          into.deliveries += await enqueueWarningNotifications(trx, row.id, 'opened', now);
        } else {
          into.suppressed.push(row.id);
        }
      } else if (row.released) {
        into.released.push(row.id);
        into.deliveries += await enqueueWarningNotifications(trx, row.id, 'opened', now);
      } else {
        into.bumped.push(row.id);
      }
    } else {
      const { rows } = await sql<{ id: number; suppressed_by: number | null }>`
        UPDATE "OpsWarning" SET status = 'RESOLVED', resolved_at = ${action.at.toISOString()}::timestamptz,
          resolve_reason = ${action.reason}, "updatedAt" = now()
        WHERE dedup_key = ${dedupKey} AND status <> 'RESOLVED'
        RETURNING id, suppressed_by`.execute(trx);
      for (const row of rows) {
        into.resolved.push(row.id);
        if (row.suppressed_by === null) {
          into.deliveries += await enqueueWarningNotifications(trx, row.id, 'resolved', now);
        }
      }
    }
  }
  return into;
}
