import { type Kysely, sql } from 'kysely';

// Log tail on crash (issue 9): a monitor may name its log file (the agent reads it only under its own
// log_dirs); the tail that rode on a sample is kept by sample so that the warning engine can show it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE "ProcessMonitor" ADD COLUMN log_file text`.execute(db);
  await sql`CREATE TABLE "ProcessLogTail" (
    sample_id uuid PRIMARY KEY,
    "processMonitorId" integer NOT NULL REFERENCES "ProcessMonitor" (id) ON DELETE CASCADE,
    checked_at timestamptz(3) NOT NULL,
    path text NOT NULL,
    text text,
    truncated boolean NOT NULL,
    error text
  )`.execute(db);
  await sql`CREATE INDEX "ProcessLogTail_monitor_at_idx" ON "ProcessLogTail" ("processMonitorId", checked_at DESC)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS "ProcessLogTail"`.execute(db);
  await sql`ALTER TABLE "ProcessMonitor" DROP COLUMN IF EXISTS log_file`.execute(db);
}
