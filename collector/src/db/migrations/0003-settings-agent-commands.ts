import { type Kysely, sql } from 'kysely';

// Setting: small key/value facts the collectors share, e.g. the admin token's SHA-256 (never the
// token itself). AgentCommand: commands for agents ("check now"), kept in the database so that a
// command queued on one collector reaches an agent long-polling another; delivered_at marks the
// hand-over (at most once), expires_at bounds how long a command is worth delivering.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE "Setting" (
    key text CONSTRAINT "Setting_pkey" PRIMARY KEY,
    value text NOT NULL,
    "createdAt" timestamptz(3) NOT NULL DEFAULT now(),
    "updatedAt" timestamptz(3) NOT NULL DEFAULT now()
  )`.execute(db);

  await sql`CREATE TABLE "AgentCommand" (
    id uuid CONSTRAINT "AgentCommand_pkey" PRIMARY KEY,
    "hostServerId" integer NOT NULL
      CONSTRAINT "AgentCommand_hostServerId_fkey" REFERENCES "HostServer" (id) ON DELETE CASCADE ON UPDATE CASCADE,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    issued_at timestamptz(3) NOT NULL,
    expires_at timestamptz(3) NOT NULL,
    delivered_at timestamptz(3),
    "createdAt" timestamptz(3) NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE INDEX "AgentCommand_pending_idx" ON "AgentCommand" ("hostServerId", issued_at)
    WHERE delivered_at IS NULL`.execute(db);
  await sql`CREATE INDEX "AgentCommand_expires_at_idx" ON "AgentCommand" (expires_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS "AgentCommand"`.execute(db);
  await sql`DROP TABLE IF EXISTS "Setting"`.execute(db);
}
