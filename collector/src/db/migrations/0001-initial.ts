import { type Kysely, sql } from 'kysely';

// Raw DDL: enum types, DESC indexes and a partitioned table are clearer in SQL than in the
// schema builder. Nothing here is built from user data. Constraint and index names follow
// Prisma's conventions (`<Table>_<cols>_idx`, `_key`, `_pkey`, `_fkey`) so that `prisma db pull`
// over these tables reproduces the design note's models.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TYPE "ProcessType" AS ENUM ('TRADER', 'QUOTE', 'COMMUNICATION', 'CUSTOM')`.execute(db);
  await sql`CREATE TYPE "ProcessStatusType" AS ENUM ('RUNNING', 'STOPPED', 'ERROR', 'NOT_FOUND')`.execute(db);
  await sql`CREATE TYPE "OpsWarningType" AS ENUM (
    'PROCESS_NOT_RUNNING', 'PROCESS_CRASHED', 'PROCESS_HIGH_CPU', 'PROCESS_HIGH_MEMORY', 'PROCESS_CHECK_FAILED'
  )`.execute(db);
  await sql`CREATE TYPE "OpsWarningStatus" AS ENUM ('OPEN', 'ACKNOWLEDGED', 'RESOLVED')`.execute(db);
  await sql`CREATE TYPE "SampleSource" AS ENUM ('AGENT', 'SSH')`.execute(db);
  await sql`CREATE TYPE "HostKeyPolicy" AS ENUM ('PINNED', 'TOFU')`.execute(db);

  await sql`CREATE TABLE "HostServer" (
    id serial PRIMARY KEY,
    name text NOT NULL,
    address text NOT NULL,
    ssh_port integer NOT NULL DEFAULT 22 CHECK (ssh_port BETWEEN 1 AND 65535),
    ssh_user text,
    ssh_host_key text,
    ssh_host_key_policy "HostKeyPolicy" NOT NULL DEFAULT 'PINNED',
    agent_token_id text,
    agent_token_hash text,
    heartbeat_timeout_seconds integer NOT NULL DEFAULT 45 CHECK (heartbeat_timeout_seconds > 0),
    last_heartbeat_at timestamptz(3),
    agent_version text,
    agent_started_at timestamptz(3),
    agent_spool_depth integer,
    agent_last_seq bigint,
    active boolean NOT NULL DEFAULT true,
    remark text,
    "createdAt" timestamptz(3) NOT NULL DEFAULT now(),
    "updatedAt" timestamptz(3) NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE UNIQUE INDEX "HostServer_name_key" ON "HostServer" (name)`.execute(db);
  await sql`CREATE UNIQUE INDEX "HostServer_agent_token_id_key" ON "HostServer" (agent_token_id)`.execute(db);

  await sql`CREATE TABLE "FundAccount" (
    account text PRIMARY KEY,
    name text,
    broker text,
    remark text,
    "createdAt" timestamptz(3) NOT NULL DEFAULT now(),
    "updatedAt" timestamptz(3) NOT NULL DEFAULT now()
  )`.execute(db);

  await sql`CREATE TABLE "ProcessMonitor" (
    id serial CONSTRAINT "ProcessMonitor_pkey" PRIMARY KEY,
    name text NOT NULL,
    process_type "ProcessType" NOT NULL,
    "hostServerId" integer NOT NULL
      CONSTRAINT "ProcessMonitor_hostServerId_fkey" REFERENCES "HostServer" (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    "fundAccountId" text
      CONSTRAINT "ProcessMonitor_fundAccountId_fkey" REFERENCES "FundAccount" (account) ON DELETE SET NULL ON UPDATE CASCADE,
    process_name text,
    command_pattern text,
    pid_file text,
    active boolean NOT NULL DEFAULT true,
    check_interval integer NOT NULL DEFAULT 60,
    monitor_start_time timestamptz(3),
    monitor_end_time timestamptz(3),
    remark text,
    "createdAt" timestamptz(3) NOT NULL DEFAULT now(),
    "updatedAt" timestamptz(3) NOT NULL DEFAULT now(),
    session_windows text[] NOT NULL DEFAULT '{}',
    cpu_threshold_percent double precision,
    memory_threshold_percent double precision,
    memory_threshold_mb double precision
  )`.execute(db);
  await sql`CREATE UNIQUE INDEX "ProcessMonitor_hostServerId_fundAccountId_process_type_key"
    ON "ProcessMonitor" ("hostServerId", "fundAccountId", process_type)`.execute(db);
  await sql`CREATE INDEX "ProcessMonitor_hostServerId_active_idx" ON "ProcessMonitor" ("hostServerId", active)`.execute(
    db,
  );

  // History, partitioned by day on checked_at (partitions are made ahead by ensureStatusPartitions).
  // The primary key and the idempotency key must include the partition key; a sample keeps its
  // checked_at across retries, so (sample_id, checked_at) identifies it as well as sample_id would.
  // bigserial, not identity: PostgreSQL < 17 has no identity columns on partitioned tables, and
  // 500 hosts × 20 monitors every 5 s would exhaust a 32-bit id in under two weeks.
  await sql`CREATE TABLE "ProcessStatus" (
    id bigserial NOT NULL,
    "processMonitorId" integer NOT NULL
      CONSTRAINT "ProcessStatus_processMonitorId_fkey" REFERENCES "ProcessMonitor" (id) ON DELETE CASCADE ON UPDATE CASCADE,
    status "ProcessStatusType" NOT NULL,
    pid integer,
    cpu_percent double precision,
    memory_percent double precision,
    memory_used_mb double precision,
    uptime_seconds integer,
    start_time timestamptz(3),
    trade_day text NOT NULL,
    checked_at timestamptz(3) NOT NULL DEFAULT now(),
    check_duration_ms integer,
    error_message text,
    "createdAt" timestamptz(3) NOT NULL DEFAULT now(),
    sample_id uuid NOT NULL,
    source "SampleSource" NOT NULL DEFAULT 'AGENT',
    seq bigint,
    process_count integer NOT NULL DEFAULT 0,
    matches jsonb,
    CONSTRAINT "ProcessStatus_pkey" PRIMARY KEY (id, checked_at),
    CONSTRAINT "ProcessStatus_sample_id_checked_at_key" UNIQUE (sample_id, checked_at)
  ) PARTITION BY RANGE (checked_at)`.execute(db);
  await sql`CREATE INDEX "ProcessStatus_processMonitorId_checked_at_idx"
    ON "ProcessStatus" ("processMonitorId", checked_at DESC)`.execute(db);
  await sql`CREATE INDEX "ProcessStatus_checked_at_idx" ON "ProcessStatus" (checked_at DESC)`.execute(db);
  await sql`CREATE INDEX "ProcessStatus_trade_day_checked_at_idx"
    ON "ProcessStatus" (trade_day, checked_at DESC)`.execute(db);

  // One row per monitor: the latest status, so "what runs where" never scans history.
  await sql`CREATE TABLE "ProcessCurrentStatus" (
    "processMonitorId" integer PRIMARY KEY
      REFERENCES "ProcessMonitor" (id) ON DELETE CASCADE ON UPDATE CASCADE,
    status "ProcessStatusType" NOT NULL,
    pid integer,
    cpu_percent double precision,
    memory_percent double precision,
    memory_used_mb double precision,
    uptime_seconds integer,
    start_time timestamptz(3),
    trade_day text NOT NULL,
    checked_at timestamptz(3) NOT NULL,
    check_duration_ms integer,
    error_message text,
    sample_id uuid NOT NULL,
    source "SampleSource" NOT NULL,
    seq bigint,
    process_count integer NOT NULL DEFAULT 0,
    matches jsonb,
    status_since timestamptz(3) NOT NULL,
    "updatedAt" timestamptz(3) NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE INDEX "ProcessCurrentStatus_status_idx" ON "ProcessCurrentStatus" (status)`.execute(db);

  await sql`CREATE TABLE "OpsWarning" (
    id serial PRIMARY KEY,
    type "OpsWarningType" NOT NULL,
    status "OpsWarningStatus" NOT NULL DEFAULT 'OPEN',
    "hostServerId" integer REFERENCES "HostServer" (id) ON DELETE CASCADE,
    "processMonitorId" integer REFERENCES "ProcessMonitor" (id) ON DELETE CASCADE,
    dedup_key text NOT NULL,
    title text NOT NULL,
    message text NOT NULL,
    details jsonb,
    count integer NOT NULL DEFAULT 1,
    first_seen_at timestamptz(3) NOT NULL,
    last_seen_at timestamptz(3) NOT NULL,
    acknowledged_at timestamptz(3),
    acknowledged_by text,
    ack_note text,
    resolved_at timestamptz(3),
    resolve_reason text,
    "createdAt" timestamptz(3) NOT NULL DEFAULT now(),
    "updatedAt" timestamptz(3) NOT NULL DEFAULT now()
  )`.execute(db);
  // At most one unresolved warning per (monitor or host, type), even with several collectors.
  await sql`CREATE UNIQUE INDEX "OpsWarning_dedup_key_unresolved_key"
    ON "OpsWarning" (dedup_key) WHERE status <> 'RESOLVED'`.execute(db);
  await sql`CREATE INDEX "OpsWarning_status_type_idx" ON "OpsWarning" (status, type)`.execute(db);
  await sql`CREATE INDEX "OpsWarning_processMonitorId_idx" ON "OpsWarning" ("processMonitorId")`.execute(db);
  await sql`CREATE INDEX "OpsWarning_hostServerId_idx" ON "OpsWarning" ("hostServerId")`.execute(db);
  await sql`CREATE INDEX "OpsWarning_last_seen_at_idx" ON "OpsWarning" (last_seen_at DESC)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'OpsWarning',
    'ProcessCurrentStatus',
    'ProcessStatus',
    'ProcessMonitor',
    'FundAccount',
    'HostServer',
  ]) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
  for (const type of [
    'HostKeyPolicy',
    'SampleSource',
    'OpsWarningStatus',
    'OpsWarningType',
    'ProcessStatusType',
    'ProcessType',
  ]) {
    await sql`DROP TYPE IF EXISTS ${sql.id(type)}`.execute(db);
  }
}
