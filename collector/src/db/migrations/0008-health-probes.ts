import { type Kysely, sql } from 'kysely';

// Health probes (issue 9): a monitor's probe spec (what the agent probes, nothing else), and the probe
// results that rode on samples, keyed by the sample so that the warning engine finds them with it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE "ProcessMonitor" ADD COLUMN probe jsonb`.execute(db);
  await sql`CREATE TABLE "ProcessProbeResult" (
    sample_id uuid PRIMARY KEY,
    "processMonitorId" integer NOT NULL REFERENCES "ProcessMonitor" (id) ON DELETE CASCADE,
    checked_at timestamptz(3) NOT NULL,
    ok boolean NOT NULL,
    consecutive_failures integer NOT NULL,
    threshold integer NOT NULL,
    latency_ms integer,
    message text
  )`.execute(db);
  await sql`CREATE INDEX "ProcessProbeResult_monitor_at_idx" ON "ProcessProbeResult" ("processMonitorId", checked_at DESC)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS "ProcessProbeResult"`.execute(db);
  await sql`ALTER TABLE "ProcessMonitor" DROP COLUMN IF EXISTS probe`.execute(db);
}
