import { type Kysely, sql } from 'kysely';

// Restart ordering by dependency (issue 9): an agent that holds back a restart because a dependency on its
// host is not up yet says so with a RESTART_DEFERRED event, so that "why was it not restarted?" has an
// answer in the API and the dashboard. The kind CHECK of 0007 gains the value.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE "ProcessEvent" DROP CONSTRAINT "ProcessEvent_kind_check"`.execute(db);
  await sql`ALTER TABLE "ProcessEvent" ADD CONSTRAINT "ProcessEvent_kind_check"
    CHECK (kind IN ('RESTARTED', 'RESTART_FAILED', 'RESTART_LIMIT_REACHED', 'RESTART_DEFERRED'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM "ProcessEvent" WHERE kind = 'RESTART_DEFERRED'`.execute(db);
  await sql`ALTER TABLE "ProcessEvent" DROP CONSTRAINT "ProcessEvent_kind_check"`.execute(db);
  await sql`ALTER TABLE "ProcessEvent" ADD CONSTRAINT "ProcessEvent_kind_check"
    CHECK (kind IN ('RESTARTED', 'RESTART_FAILED', 'RESTART_LIMIT_REACHED'))`.execute(db);
}
