import { sql } from 'kysely';
import type { EngineDb } from '../warnings/tables.ts';

/** A delivery this collector has claimed for one attempt. */
export interface ClaimedDelivery {
  readonly id: number;
  readonly channelId: number;
  readonly opsWarningId: number | null;
  readonly event: string;
  readonly payload: unknown;
  /** The number of this attempt (1 = first). */
  readonly attempts: number;
}

/**
 * Claims due deliveries for one attempt each: they are leased (next_attempt_at moves `leaseMs` ahead), so a
 * collector that dies mid-send hands them over when the lease runs out, and SKIP LOCKED keeps collectors off
 * each other's rows. A delivery waits while an earlier one of the same warning and channel is pending, so
 * "resolved" never overtakes "opened".
 */
export async function claimDueDeliveries(
  db: EngineDb,
  options: { now: Date; limit: number; leaseMs: number; id?: number; skipChannels?: readonly number[] },
): Promise<ClaimedDelivery[]> {
  const now = options.now.toISOString();
  const leaseUntil = new Date(options.now.getTime() + options.leaseMs).toISOString();
  const onlyId = options.id === undefined ? sql`` : sql`AND d.id = ${options.id}`;
  const skip = options.skipChannels ?? [];
  // One JSON parameter: PGlite does not serialise JS arrays.
  const skipBusy =
    skip.length === 0
      ? sql``
      : sql`AND d."channelId" NOT IN (SELECT jsonb_array_elements_text(${JSON.stringify(skip)}::jsonb)::int)`;
  const { rows } = await sql<ClaimedDelivery>`
    WITH due AS (
      SELECT d.id FROM "NotificationDelivery" d
      WHERE d.status = 'PENDING' AND d.next_attempt_at <= ${now}::timestamptz ${onlyId} ${skipBusy}
        AND NOT EXISTS (
          SELECT 1 FROM "NotificationDelivery" e
          WHERE e."channelId" = d."channelId" AND e."opsWarningId" = d."opsWarningId"
            AND e.status = 'PENDING' AND e.id < d.id)
      ORDER BY d.next_attempt_at, d.id
      LIMIT ${options.limit}
      FOR UPDATE SKIP LOCKED)
    UPDATE "NotificationDelivery" AS d
    SET attempts = d.attempts + 1, next_attempt_at = ${leaseUntil}::timestamptz, "updatedAt" = now()
    FROM due WHERE d.id = due.id
    RETURNING d.id, d."channelId", d."opsWarningId", d.event, d.payload, d.attempts`.execute(db);
  return rows.sort((a, b) => a.id - b.id);
}

/** The outcome of one attempt, to be recorded. */
export interface AttemptRecord {
  readonly delivery: ClaimedDelivery;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  /** DELIVERED, FAILED (given up), or PENDING again at `retryAt`. */
  readonly next: { status: 'DELIVERED' } | { status: 'FAILED' } | { status: 'PENDING'; retryAt: Date };
}

/**
 * Records an attempt and moves the delivery on. Guarded by the attempt number: if our lease ran out and
 * another collector claimed the delivery meanwhile, its attempt wins and ours is kept only in the log table.
 */
export async function recordAttempt(db: EngineDb, record: AttemptRecord): Promise<void> {
  const { delivery, next } = record;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('NotificationAttempt')
      .values({
        deliveryId: delivery.id,
        attempt: delivery.attempts,
        started_at: record.startedAt,
        duration_ms: Math.round(record.durationMs),
        ok: next.status === 'DELIVERED',
        status_code: record.statusCode,
        error: record.error,
      })
      .execute();
    await trx
      .updateTable('NotificationDelivery')
      .set({
        status: next.status,
        next_attempt_at: next.status === 'PENDING' ? next.retryAt : record.startedAt,
        last_error: record.error,
        delivered_at:
          next.status === 'DELIVERED' ? new Date(record.startedAt.getTime() + record.durationMs) : null,
        updatedAt: new Date(),
      })
      .where('id', '=', delivery.id)
      .where('attempts', '=', delivery.attempts)
      .execute();
  });
}
