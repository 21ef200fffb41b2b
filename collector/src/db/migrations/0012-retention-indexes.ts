import { type Kysely, sql } from 'kysely';

// Retention of the issue-9 side tables: the hourly retention job deletes their rows older than the
// ProcessStatus cutoff by time alone. Their existing indexes lead with "processMonitorId", so without
// these each run would scan the whole table (ProcessProbeResult grows as fast as ProcessStatus).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX "ProcessEvent_at_idx" ON "ProcessEvent" (at)`.execute(db);
  await sql`CREATE INDEX "ProcessProbeResult_checked_at_idx" ON "ProcessProbeResult" (checked_at)`.execute(
    db,
  );
  await sql`CREATE INDEX "ProcessLogTail_checked_at_idx" ON "ProcessLogTail" (checked_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS "ProcessLogTail_checked_at_idx"`.execute(db);
  await sql`DROP INDEX IF EXISTS "ProcessProbeResult_checked_at_idx"`.execute(db);
  await sql`DROP INDEX IF EXISTS "ProcessEvent_at_idx"`.execute(db);
}
