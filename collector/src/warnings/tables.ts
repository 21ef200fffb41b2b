import type { ColumnType, Generated, Kysely, Selectable, Transaction } from 'kysely';
import type { Database, OpsWarningTable } from '../db/schema.ts';
import type { NotifyTables } from '../notify/tables.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

/** The rules' memory of one monitor (migration 0004). */
export interface ProcessWarningStateTable {
  processMonitorId: number;
  last_checked_at: Timestamp | null;
  last_status: 'RUNNING' | 'STOPPED' | 'NOT_FOUND' | null;
  last_pid: number | null;
  last_start_time: Timestamp | null;
  watching: boolean | null;
  watching_at: Timestamp | null;
  raised: Generated<string[]>;
  counters: ColumnType<Record<string, number>, string | undefined, string>;
  updatedAt: UpdatedAt;
}

/** A maintenance mute of one monitor or one host. */
export interface WarningMuteTable {
  id: Generated<number>;
  hostServerId: number | null;
  processMonitorId: number | null;
  starts_at: Timestamp;
  muted_until: Timestamp;
  reason: string | null;
  created_by: string | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

/** OpsWarning with the reminder columns migration 0004 adds. */
export interface OpsWarningWithReminders extends OpsWarningTable {
  reminder_count: Generated<number>;
  last_notified_at: Timestamp | null;
}

/** Every table the warning engine and the notifier touch. */
export interface EngineDatabase extends Omit<Database, 'OpsWarning'>, NotifyTables {
  OpsWarning: OpsWarningWithReminders;
  ProcessWarningState: ProcessWarningStateTable;
  WarningMute: WarningMuteTable;
}

export type EngineDb = Kysely<EngineDatabase>;
export type EngineTrx = Transaction<EngineDatabase>;
export type WarningMuteRow = Selectable<WarningMuteTable>;
export type OpsWarningRow = Selectable<OpsWarningWithReminders>;

/**
 * The collector's handle typed with the engine's tables too. The tables come from migration 0004; keeping their
 * types here rather than in db/schema.ts keeps the engine's schema next to the engine.
 */
export function engineDb(db: Kysely<Database>): EngineDb {
  return db as unknown as EngineDb;
}
