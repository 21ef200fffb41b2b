import type {
  HostKeyPolicy,
  OpsWarningStatus,
  OpsWarningType,
  ProbeSpec,
  ProcessStatusType,
  ProcessType,
  RestartEventKind,
  SampleSource,
} from '@procwatch/shared';
import type { ColumnType, Generated, Insertable, JSONColumnType, Selectable, Updateable } from 'kysely';

// Table and column names are the design note's Prisma names (model = table, field = column),
// so its Prisma models map onto these tables unchanged. See migrations/SCHEMA.md.

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface HostServerTable {
  id: Generated<number>;
  name: string;
  address: string;
  ssh_port: Generated<number>;
  ssh_user: string | null;
  ssh_host_key: string | null;
  ssh_host_key_policy: Generated<HostKeyPolicy>;
  agent_token_id: string | null;
  agent_token_hash: string | null;
  heartbeat_timeout_seconds: Generated<number>;
  last_heartbeat_at: Timestamp | null;
  agent_version: string | null;
  agent_started_at: Timestamp | null;
  agent_spool_depth: number | null;
  agent_last_seq: number | null;
  active: Generated<boolean>;
  remark: string | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface FundAccountTable {
  account: string;
  name: string | null;
  broker: string | null;
  remark: string | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface ProcessMonitorTable {
  id: Generated<number>;
  name: string;
  process_type: ProcessType;
  hostServerId: number;
  fundAccountId: string | null;
  process_name: string | null;
  command_pattern: string | null;
  pid_file: string | null;
  active: Generated<boolean>;
  check_interval: Generated<number>;
  monitor_start_time: Timestamp | null;
  monitor_end_time: Timestamp | null;
  remark: string | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
  // Beyond the seed (SCHEMA.md): warning settings.
  session_windows: Generated<string[]>;
  cpu_threshold_percent: number | null;
  memory_threshold_percent: number | null;
  memory_threshold_mb: number | null;
  /** Name of a restart action in the host's agent config (0007). */
  restart_action: Generated<string | null>;
  /** Health probe spec (0008). */
  probe: ColumnType<ProbeSpec | null, ProbeSpec | string | null | undefined, ProbeSpec | string | null>;
  /** Log file whose tail the agent attaches when the process is down (0009). */
  log_file: Generated<string | null>;
}

/** An agent's restart event (0007). */
export interface ProcessEventTable {
  id: Generated<string>;
  event_id: string;
  processMonitorId: number;
  kind: RestartEventKind;
  action: string | null;
  attempt: number | null;
  at: Timestamp;
  duration_ms: number | null;
  message: string | null;
  sample_id: string | null;
  createdAt: CreatedAt;
}

/** Columns shared by a history row and the current-status row. */
interface StatusColumns {
  status: ProcessStatusType;
  pid: number | null;
  cpu_percent: number | null;
  memory_percent: number | null;
  memory_used_mb: number | null;
  uptime_seconds: number | null;
  start_time: Timestamp | null;
  trade_day: string;
  checked_at: Timestamp;
  check_duration_ms: number | null;
  error_message: string | null;
  sample_id: string;
  source: SampleSource;
  seq: number | null;
  process_count: number;
  matches: JSONColumnType<unknown[] | null, string | null, string | null>;
}

export interface ProcessStatusTable extends StatusColumns {
  id: Generated<number>;
  processMonitorId: number;
  createdAt: CreatedAt;
}

export interface ProcessCurrentStatusTable extends StatusColumns {
  processMonitorId: number;
  status_since: Timestamp;
  updatedAt: UpdatedAt;
}

export interface OpsWarningTable {
  id: Generated<number>;
  type: OpsWarningType;
  status: Generated<OpsWarningStatus>;
  hostServerId: number | null;
  processMonitorId: number | null;
  dedup_key: string;
  title: string;
  message: string;
  details: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  count: Generated<number>;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  ack_note: string | null;
  resolved_at: Timestamp | null;
  resolve_reason: string | null;
  /** While set: notifications held because this monitor, a dependency, is down (0010). */
  suppressed_by: Generated<number | null>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

/** "processMonitorId" depends on "dependsOnId" (0010). */
export interface ProcessMonitorDependencyTable {
  processMonitorId: number;
  dependsOnId: number;
  createdAt: CreatedAt;
}

/** Shared key/value facts (migration 0003), e.g. the admin token's hash. */
export interface SettingTable {
  key: string;
  value: string;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

/** A command queued for a host's agent (migration 0003); delivered by long-poll. */
export interface AgentCommandTable {
  id: string;
  hostServerId: number;
  kind: string;
  payload: JSONColumnType<Record<string, unknown>, string, string>;
  issued_at: Timestamp;
  expires_at: Timestamp;
  delivered_at: Timestamp | null;
  /** What the agent answered, for commands that answer (0013). */
  result: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  completed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  createdAt: CreatedAt;
}

/** The whole database as Kysely sees it. */
export interface Database {
  HostServer: HostServerTable;
  FundAccount: FundAccountTable;
  ProcessMonitor: ProcessMonitorTable;
  ProcessStatus: ProcessStatusTable;
  ProcessCurrentStatus: ProcessCurrentStatusTable;
  OpsWarning: OpsWarningTable;
  Setting: SettingTable;
  AgentCommand: AgentCommandTable;
  ProcessEvent: ProcessEventTable;
  ProcessMonitorDependency: ProcessMonitorDependencyTable;
}

export type HostServer = Selectable<HostServerTable>;
export type NewHostServer = Insertable<HostServerTable>;
export type HostServerUpdate = Updateable<HostServerTable>;
export type FundAccount = Selectable<FundAccountTable>;
export type ProcessMonitor = Selectable<ProcessMonitorTable>;
export type NewProcessMonitor = Insertable<ProcessMonitorTable>;
export type ProcessMonitorUpdate = Updateable<ProcessMonitorTable>;
export type ProcessStatusRow = Selectable<ProcessStatusTable>;
export type NewProcessStatusRow = Insertable<ProcessStatusTable>;
export type ProcessCurrentStatus = Selectable<ProcessCurrentStatusTable>;
export type OpsWarning = Selectable<OpsWarningTable>;
