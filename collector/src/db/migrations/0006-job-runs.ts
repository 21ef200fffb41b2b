import { type Kysely, sql } from 'kysely';

// One row per (job, period): the primary key is the claim. Whichever collector inserts the row
// first runs the job for that period; the others see the conflict and skip. A failed run may be
// retried (attempts) and a run whose lease ran out (its collector died) may be taken over.
// state is text with a CHECK rather than an enum: adding a state later needs no ALTER TYPE.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE "JobRun" (
    name text NOT NULL,
    period_start timestamptz(3) NOT NULL,
    state text NOT NULL CHECK (state IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
    attempts integer NOT NULL DEFAULT 1,
    claimed_by text NOT NULL,
    started_at timestamptz(3) NOT NULL,
    lease_until timestamptz(3) NOT NULL,
    finished_at timestamptz(3),
    duration_ms integer,
    summary jsonb,
    error text,
    CONSTRAINT "JobRun_pkey" PRIMARY KEY (name, period_start)
  )`.execute(db);
  await sql`CREATE INDEX "JobRun_started_at_idx" ON "JobRun" (started_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS "JobRun"`.execute(db);
}
