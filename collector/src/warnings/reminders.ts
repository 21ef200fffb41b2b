import { sql } from 'kysely';
import { enqueueWarningNotifications } from '../notify/outbox.ts';
import type { WarningSettings } from './settings.ts';
import type { EngineDb } from './tables.ts';

/** What one reminder run did. */
export interface ReminderSummary {
  reminded: number;
  deliveries: number;
}

// Enough for a bad morning; the next run picks up the rest.
const MAX_PER_RUN = 200;

/**
 * Queues a reminder for every OPEN (not acknowledged) warning last notified at least the reminder interval
 * ago, at most `reminderMax` times per warning; a warning held by a down dependency was never notified, so
 * it is not reminded of either. Rows are claimed with SKIP LOCKED and the count moves in the
 * same transaction, so collectors running this together never remind twice.
 */
export async function runReminders(
  db: EngineDb,
  settings: Pick<WarningSettings, 'reminderIntervalSeconds' | 'reminderMax'>,
  now: Date,
): Promise<ReminderSummary> {
  if (settings.reminderIntervalSeconds <= 0 || settings.reminderMax <= 0)
    return { reminded: 0, deliveries: 0 };
  const dueBefore = new Date(now.getTime() - settings.reminderIntervalSeconds * 1000).toISOString();
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: number; reminder_count: number }>`
      UPDATE "OpsWarning" SET reminder_count = reminder_count + 1,
        last_notified_at = ${now.toISOString()}::timestamptz, "updatedAt" = now()
      WHERE id IN (
        SELECT id FROM "OpsWarning"
        WHERE status = 'OPEN' AND suppressed_by IS NULL AND reminder_count < ${settings.reminderMax}
          AND coalesce(last_notified_at, first_seen_at) <= ${dueBefore}::timestamptz
        ORDER BY id LIMIT ${MAX_PER_RUN}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, reminder_count`.execute(trx);
    let deliveries = 0;
    for (const row of rows) {
      deliveries += await enqueueWarningNotifications(trx, row.id, 'reminder', now, row.reminder_count);
    }
    return { reminded: rows.length, deliveries };
  });
}
