import { type Kysely, sql } from 'kysely';

// Auto-restart (issue 9). A monitor only names a restart action; the command it stands for lives in
// the host's own agent config, so the collector never holds a command line. ProcessEvent keeps what
// the agents did (restarts, failures, limit reached); event_id is the agent's uuid, so a resent
// sample stores its events once. kind is text with a CHECK: a new kind needs no ALTER TYPE.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE "ProcessMonitor" ADD COLUMN restart_action text`.execute(db);
  await sql`CREATE TABLE "ProcessEvent" (
    id bigserial PRIMARY KEY,
    event_id uuid NOT NULL,
    "processMonitorId" integer NOT NULL REFERENCES "ProcessMonitor" (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('RESTARTED', 'RESTART_FAILED', 'RESTART_LIMIT_REACHED')),
    action text,
    attempt integer,
    at timestamptz(3) NOT NULL,
    duration_ms integer,
    message text,
    sample_id uuid,
    "createdAt" timestamptz(3) NOT NULL DEFAULT now(),
    CONSTRAINT "ProcessEvent_event_id_key" UNIQUE (event_id)
  )`.execute(db);
  await sql`CREATE INDEX "ProcessEvent_monitor_at_idx" ON "ProcessEvent" ("processMonitorId", at DESC, id DESC)`.execute(
    db,
  );
  // The warning engine looks up the events of the samples it judges.
  await sql`CREATE INDEX "ProcessEvent_sample_id_idx" ON "ProcessEvent" (sample_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS "ProcessEvent"`.execute(db);
  await sql`ALTER TABLE "ProcessMonitor" DROP COLUMN IF EXISTS restart_action`.execute(db);
}
