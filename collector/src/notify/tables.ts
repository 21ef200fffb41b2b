import type { ColumnType, Generated, JSONColumnType, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

/** Where notifications go (migration 0004). `secret` never leaves the collector in full. */
export interface NotificationChannelTable {
  id: Generated<number>;
  name: string;
  kind: string;
  url: string;
  secret: string | null;
  enabled: Generated<boolean>;
  /** Warning types to send; empty = all. */
  types: Generated<string[]>;
  /** Hosts whose warnings to send; empty = all. */
  hostServerIds: Generated<number[]>;
  /** Events to send (opened, resolved, reminder); empty = all. */
  events: Generated<string[]>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

/** One message for one channel, queued with the change that caused it. */
export interface NotificationDeliveryTable {
  id: Generated<number>;
  channelId: number;
  opsWarningId: number | null;
  event: string;
  reminder_no: Generated<number>;
  payload: JSONColumnType<Record<string, unknown>, string, string>;
  status: Generated<string>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  delivered_at: Timestamp | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

/** One HTTP attempt of a delivery and how it went. */
export interface NotificationAttemptTable {
  id: Generated<number>;
  deliveryId: number;
  attempt: number;
  started_at: Timestamp;
  duration_ms: number;
  ok: boolean;
  status_code: number | null;
  error: string | null;
}

/** The notifier's tables, for `db.withTables<NotifyTables>()`. */
export interface NotifyTables {
  NotificationChannel: NotificationChannelTable;
  NotificationDelivery: NotificationDeliveryTable;
  NotificationAttempt: NotificationAttemptTable;
}

export type NotificationChannelRow = Selectable<NotificationChannelTable>;
export type NotificationDeliveryRow = Selectable<NotificationDeliveryTable>;
export type NotificationAttemptRow = Selectable<NotificationAttemptTable>;
