import { type Kysely, sql } from 'kysely';

// Dependencies between monitors (issue 9): "processMonitorId" depends on "dependsOnId", on any host.
// A row per edge rather than an id array on ProcessMonitor, so that deleting a monitor removes the
// edges to it (no dangling ids) and "who depends on X" is an index lookup. The API keeps the graph
// acyclic when it saves a monitor; the CHECK only stops the trivial self-loop.
// OpsWarning.suppressed_by: while set, the warning's notifications are held because that monitor, a
// dependency, is down (the warning is still shown, marked as caused by it). Deliberately no foreign key:
// it is a record of what explained the warning, and deleting that monitor must not quietly release it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE "ProcessMonitorDependency" (
    "processMonitorId" integer NOT NULL
      CONSTRAINT "ProcessMonitorDependency_processMonitorId_fkey" REFERENCES "ProcessMonitor" (id)
      ON DELETE CASCADE ON UPDATE CASCADE,
    "dependsOnId" integer NOT NULL
      CONSTRAINT "ProcessMonitorDependency_dependsOnId_fkey" REFERENCES "ProcessMonitor" (id)
      ON DELETE CASCADE ON UPDATE CASCADE,
    "createdAt" timestamptz(3) NOT NULL DEFAULT now(),
    CONSTRAINT "ProcessMonitorDependency_pkey" PRIMARY KEY ("processMonitorId", "dependsOnId"),
    CONSTRAINT "ProcessMonitorDependency_not_self_check" CHECK ("processMonitorId" <> "dependsOnId")
  )`.execute(db);
  await sql`CREATE INDEX "ProcessMonitorDependency_dependsOnId_idx"
    ON "ProcessMonitorDependency" ("dependsOnId")`.execute(db);
  await sql`ALTER TABLE "OpsWarning" ADD COLUMN suppressed_by integer`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE "OpsWarning" DROP COLUMN IF EXISTS suppressed_by`.execute(db);
  await sql`DROP TABLE IF EXISTS "ProcessMonitorDependency"`.execute(db);
}
