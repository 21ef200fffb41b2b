import { type Kysely, sql } from 'kysely';

// Ours, beyond the seed's five: a host whose agent stopped reporting, and a failing health probe.
// ADD VALUE is allowed in a transaction as long as the new value is not used in the same one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TYPE "OpsWarningType" ADD VALUE IF NOT EXISTS 'AGENT_OFFLINE'`.execute(db);
  await sql`ALTER TYPE "OpsWarningType" ADD VALUE IF NOT EXISTS 'PROCESS_UNHEALTHY'`.execute(db);
}

export async function down(): Promise<void> {
  // PostgreSQL cannot drop an enum value; the values are harmless when unused.
}
