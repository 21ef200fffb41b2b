import { type Kysely, sql } from 'kysely';

// SshSweepLease: one row per host the SSH fallback has swept, and the claim that keeps several
// collectors from sweeping it twice. A collector takes a host with one conditional upsert
// (`… ON CONFLICT DO UPDATE … WHERE next_due_at <= now AND lease_until <= now RETURNING`):
// PostgreSQL re-checks that WHERE after waiting for a concurrent claim's row lock, so exactly one
// claimer wins per period. next_due_at spaces the sweeps by the host's check interval;
// lease_until covers a sweep still running past it (released early when the sweep ends).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE "SshSweepLease" (
    "hostServerId" integer CONSTRAINT "SshSweepLease_pkey" PRIMARY KEY
      CONSTRAINT "SshSweepLease_hostServerId_fkey" REFERENCES "HostServer" (id) ON DELETE CASCADE ON UPDATE CASCADE,
    claimed_by text NOT NULL,
    lease_until timestamptz(3) NOT NULL,
    next_due_at timestamptz(3) NOT NULL,
    last_started_at timestamptz(3) NOT NULL,
    last_finished_at timestamptz(3),
    last_error text,
    sweeps integer NOT NULL DEFAULT 1
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS "SshSweepLease"`.execute(db);
}
