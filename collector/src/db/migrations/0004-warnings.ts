import { type Kysely, sql } from 'kysely';

// The warning engine and the notifier.
// - ProcessWarningState: what the rules remember per monitor between samples. Every evaluation locks the
//   monitor's row (SELECT … FOR UPDATE), so two collectors judging the same monitor take turns.
// - WarningMute: maintenance windows per monitor or host; no warnings are raised inside them.
// - NotificationChannel / NotificationDelivery / NotificationAttempt: channels, a delivery queue filled in the
//   same transaction that opens or resolves a warning (an outbox: a notification exists exactly when its
//   change committed), and every attempt with its outcome.
// - OpsWarning.reminder_count / last_notified_at: reminders while a warning stays OPEN, capped.
// Kinds, events and states are text with CHECKs, not enums: adding one later needs no ALTER TYPE.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE "ProcessWarningState" (
    "processMonitorId" integer CONSTRAINT "ProcessWarningState_pkey" PRIMARY KEY
      CONSTRAINT "ProcessWarningState_processMonitorId_fkey" REFERENCES "ProcessMonitor" (id)
      ON DELETE CASCADE ON UPDATE CASCADE,
    last_checked_at timestamptz(3),
    last_status "ProcessStatusType" CHECK (last_status IS DISTINCT FROM 'ERROR'),
    last_pid integer,
    last_start_time timestamptz(3),
    watching boolean,
    watching_at timestamptz(3),
    raised text[] NOT NULL DEFAULT '{}',
    counters jsonb NOT NULL DEFAULT '{}',
    "updatedAt" timestamptz(3) NOT NULL DEFAULT now()
  )`.execute(db);

  await sql`CREATE TABLE "WarningMute" (
    id serial CONSTRAINT "WarningMute_pkey" PRIMARY KEY,
    "hostServerId" integer CONSTRAINT "WarningMute_hostServerId_fkey" REFERENCES "HostServer" (id)
      ON DELETE CASCADE ON UPDATE CASCADE,
    "processMonitorId" integer CONSTRAINT "WarningMute_processMonitorId_fkey" REFERENCES "ProcessMonitor" (id)
      ON DELETE CASCADE ON UPDATE CASCADE,
    starts_at timestamptz(3) NOT NULL,
    muted_until timestamptz(3) NOT NULL,
    reason text,
    created_by text,
    "createdAt" timestamptz(3) NOT NULL DEFAULT now(),
    "updatedAt" timestamptz(3) NOT NULL DEFAULT now(),
    CONSTRAINT "WarningMute_one_target_check" CHECK (("hostServerId" IS NULL) <> ("processMonitorId" IS NULL)),
    CONSTRAINT "WarningMute_range_check" CHECK (muted_until > starts_at)
  )`.execute(db);
  await sql`CREATE INDEX "WarningMute_processMonitorId_idx" ON "WarningMute" ("processMonitorId")`.execute(
    db,
  );
  await sql`CREATE INDEX "WarningMute_hostServerId_idx" ON "WarningMute" ("hostServerId")`.execute(db);
  await sql`CREATE INDEX "WarningMute_muted_until_idx" ON "WarningMute" (muted_until)`.execute(db);

  await sql`CREATE TABLE "NotificationChannel" (
    id serial CONSTRAINT "NotificationChannel_pkey" PRIMARY KEY,
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('webhook', 'dingtalk', 'wecom', 'feishu', 'slack')),
    url text NOT NULL,
    secret text,
    enabled boolean NOT NULL DEFAULT true,
    types text[] NOT NULL DEFAULT '{}',
    "hostServerIds" integer[] NOT NULL DEFAULT '{}',
    events text[] NOT NULL DEFAULT '{}',
    "createdAt" timestamptz(3) NOT NULL DEFAULT now(),
    "updatedAt" timestamptz(3) NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE UNIQUE INDEX "NotificationChannel_name_key" ON "NotificationChannel" (name)`.execute(db);

  await sql`CREATE TABLE "NotificationDelivery" (
    id bigserial CONSTRAINT "NotificationDelivery_pkey" PRIMARY KEY,
    "channelId" integer NOT NULL CONSTRAINT "NotificationDelivery_channelId_fkey"
      REFERENCES "NotificationChannel" (id) ON DELETE CASCADE ON UPDATE CASCADE,
    "opsWarningId" integer CONSTRAINT "NotificationDelivery_opsWarningId_fkey"
      REFERENCES "OpsWarning" (id) ON DELETE CASCADE ON UPDATE CASCADE,
    event text NOT NULL CHECK (event IN ('opened', 'resolved', 'reminder', 'test')),
    reminder_no integer NOT NULL DEFAULT 0,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz(3) NOT NULL,
    last_error text,
    delivered_at timestamptz(3),
    "createdAt" timestamptz(3) NOT NULL DEFAULT now(),
    "updatedAt" timestamptz(3) NOT NULL DEFAULT now()
  )`.execute(db);
  // Belt and braces for "one opened and one resolved per incident and channel".
  await sql`CREATE UNIQUE INDEX "NotificationDelivery_channel_warning_event_key"
    ON "NotificationDelivery" ("channelId", "opsWarningId", event, reminder_no)`.execute(db);
  await sql`CREATE INDEX "NotificationDelivery_pending_idx" ON "NotificationDelivery" (next_attempt_at)
    WHERE status = 'PENDING'`.execute(db);
  await sql`CREATE INDEX "NotificationDelivery_opsWarningId_idx" ON "NotificationDelivery" ("opsWarningId")`.execute(
    db,
  );

  await sql`CREATE TABLE "NotificationAttempt" (
    id bigserial CONSTRAINT "NotificationAttempt_pkey" PRIMARY KEY,
    "deliveryId" bigint NOT NULL CONSTRAINT "NotificationAttempt_deliveryId_fkey"
      REFERENCES "NotificationDelivery" (id) ON DELETE CASCADE ON UPDATE CASCADE,
    attempt integer NOT NULL,
    started_at timestamptz(3) NOT NULL,
    duration_ms integer NOT NULL,
    ok boolean NOT NULL,
    status_code integer,
    error text
  )`.execute(db);
  await sql`CREATE INDEX "NotificationAttempt_deliveryId_idx" ON "NotificationAttempt" ("deliveryId")`.execute(
    db,
  );

  await sql`ALTER TABLE "OpsWarning"
    ADD COLUMN reminder_count integer NOT NULL DEFAULT 0,
    ADD COLUMN last_notified_at timestamptz(3)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE "OpsWarning" DROP COLUMN IF EXISTS reminder_count, DROP COLUMN IF EXISTS last_notified_at`.execute(
    db,
  );
  for (const table of [
    'NotificationAttempt',
    'NotificationDelivery',
    'NotificationChannel',
    'WarningMute',
    'ProcessWarningState',
  ]) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
