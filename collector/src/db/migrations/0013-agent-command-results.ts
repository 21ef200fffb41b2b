import { type Kysely, sql } from 'kysely';

// Commands that answer (issue 9: the on-demand log tail): the agent posts what it found to
// /agent/v1/commands/:id/result, stored on the command's row, where the collector that asked — any of
// them — finds it. The row is deleted once the answer has been read (a log may hold what should not
// linger), or with the other old commands a day after it expired.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE "AgentCommand" ADD COLUMN result jsonb, ADD COLUMN completed_at timestamptz(3)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE "AgentCommand" DROP COLUMN IF EXISTS result, DROP COLUMN IF EXISTS completed_at`.execute(
    db,
  );
}
