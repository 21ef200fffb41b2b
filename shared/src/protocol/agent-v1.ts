import { z } from 'zod';
import { TradingCalendarSchema } from '../calendar/calendar-schema.ts';
import { DEPENDS_ON_MAX } from '../dependencies/dependency-graph.ts';
import { ProcessStatusTypeSchema, ProcessTypeSchema } from '../model/enums.ts';
import {
  CHECK_INTERVAL_MAX_S,
  CHECK_INTERVAL_MIN_S,
  COMMAND_LINE_MAX_LENGTH,
  ERROR_MESSAGE_MAX_LENGTH,
  INT4_MAX,
  SAMPLE_BATCH_MAX,
  SAMPLE_MATCHES_MAX,
} from '../model/limits.ts';
import { CommandPatternSchema, PidFileSchema, ProcessNameSchema } from '../model/monitor.ts';
import { InstantSchema, TradeDaySchema } from '../model/text.ts';
import {
  LOG_TAIL_ON_DEMAND_MAX_BYTES,
  LOG_TAIL_ON_DEMAND_MAX_LINES,
  LogFileSchema,
  LogTailSchema,
} from './log-tail.ts';
import { ProbeResultSchema, ProbeSpecSchema } from './probe.ts';
import { RESTART_EVENTS_MAX, RestartActionNameSchema, RestartEventSchema } from './restart-event.ts';

/** Version of the agent wire protocol; bumped on any incompatible change. */
export const AGENT_PROTOCOL_VERSION = 1;

const ProtocolVersion = z.literal(AGENT_PROTOCOL_VERSION, {
  message: `protocol must be ${AGENT_PROTOCOL_VERSION}`,
});

/** What the agent needs of one monitor: its selectors and schedule. */
export const AgentMonitorSpecSchema = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1).max(200),
  process_type: ProcessTypeSchema,
  fundAccountId: z.string().nullable(),
  process_name: ProcessNameSchema.nullable(),
  command_pattern: CommandPatternSchema.nullable(),
  pid_file: PidFileSchema.nullable(),
  check_interval: z.number().int().min(CHECK_INTERVAL_MIN_S).max(CHECK_INTERVAL_MAX_S),
  monitor_start_time: InstantSchema.nullable(),
  monitor_end_time: InstantSchema.nullable(),
  /** Name of a restart action in the host's own agent config; never a command line. */
  restart_action: RestartActionNameSchema.nullable().optional(),
  /** Health probe run while the process is RUNNING (issue 9). */
  probe: ProbeSpecSchema.nullable().optional(),
  /** Log file whose end goes with the sample that finds the process down (issue 9). */
  log_file: LogFileSchema.nullable().optional(),
  /** Monitors this one depends on (any host); the agent restarts those on its own host first. */
  depends_on: z.array(z.number().int().positive()).max(DEPENDS_ON_MAX).optional(),
});
/** One monitor as the agent sees it. */
export type AgentMonitorSpec = z.infer<typeof AgentMonitorSpecSchema>;

/** Agent-wide settings the collector hands out with the config. */
export const AgentSettingsSchema = z.object({
  heartbeat_interval_s: z.number().int().min(1).max(3600).default(15),
  config_refresh_s: z.number().int().min(5).max(86_400).default(60),
  liveness_interval_ms: z.number().int().min(100).max(60_000).default(1000),
  batch_max_samples: z.number().int().min(1).max(SAMPLE_BATCH_MAX).default(500),
  batch_max_delay_ms: z.number().int().min(0).max(60_000).default(1000),
});
/** Agent-wide settings. */
export type AgentSettings = z.infer<typeof AgentSettingsSchema>;

/** Body of `GET /agent/v1/config`. */
export const AgentConfigSchema = z.object({
  protocol: ProtocolVersion,
  host: z.object({ id: z.number().int().positive(), name: z.string() }),
  settings: AgentSettingsSchema,
  calendar: TradingCalendarSchema,
  monitors: z.array(AgentMonitorSpecSchema),
});
/** The agent's configuration as served by the collector. */
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

/** One matching process, as carried with a sample so that users can see every match. */
export const ProcessMatchSchema = z.object({
  pid: z.number().int().positive(),
  start_time: InstantSchema,
  name: z.string().max(1024),
  command: z.string().max(COMMAND_LINE_MAX_LENGTH),
  cpu_percent: z.number().min(0).nullable().optional(),
  rss_bytes: z.number().int().min(0).nullable().optional(),
});
/** One matching process. */
export type ProcessMatch = z.infer<typeof ProcessMatchSchema>;

/**
 * One check result: the seed's ProcessStatus fields, plus a unique id (idempotency), the agent's
 * sequence number (replay order) and how many processes matched.
 */
export const SampleSchema = z.object({
  sample_id: z.uuid(),
  seq: z.number().int().positive(),
  processMonitorId: z.number().int().positive().max(INT4_MAX),
  status: ProcessStatusTypeSchema,
  pid: z.number().int().positive().max(INT4_MAX).nullable(),
  cpu_percent: z.number().min(0).max(100_000).nullable(),
  memory_percent: z.number().min(0).max(100).nullable(),
  memory_used_mb: z.number().min(0).nullable(),
  uptime_seconds: z.number().int().min(0).max(INT4_MAX).nullable(),
  start_time: InstantSchema.nullable(),
  trade_day: TradeDaySchema,
  checked_at: InstantSchema,
  check_duration_ms: z.number().int().min(0).max(INT4_MAX).nullable(),
  error_message: z.string().max(ERROR_MESSAGE_MAX_LENGTH).nullable(),
  process_count: z.number().int().min(0).max(INT4_MAX),
  matches: z.array(ProcessMatchSchema).max(SAMPLE_MATCHES_MAX).optional(),
  /** Restart events since the monitor's previous sample (agent-side auto-restart). */
  restart_events: z.array(RestartEventSchema).max(RESTART_EVENTS_MAX).optional(),
  /** Result of the monitor's health probe, when it has one and the process runs. */
  probe: ProbeResultSchema.optional(),
  /** The end of the monitor's log, on the first sample that finds the process down. */
  log_tail: LogTailSchema.optional(),
});
/** One check result on the wire. */
export type Sample = z.infer<typeof SampleSchema>;

/** Body of `POST /agent/v1/samples`. */
export const SampleBatchSchema = z.object({
  protocol: ProtocolVersion,
  samples: z.array(SampleSchema).min(1).max(SAMPLE_BATCH_MAX),
});
/** A batch of samples. */
export type SampleBatch = z.infer<typeof SampleBatchSchema>;

/** Answer to a sample batch: how many rows were new and how many were already stored. */
export const SampleBatchResultSchema = z.object({
  accepted: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  /** Samples older than the collector's retention: not stored, and not worth resending. */
  expired: z.number().int().min(0).optional(),
});
/** Answer to a sample batch. */
export type SampleBatchResult = z.infer<typeof SampleBatchResultSchema>;

/** Body of `POST /agent/v1/heartbeat`. */
export const HeartbeatSchema = z.object({
  protocol: ProtocolVersion,
  agent_version: z.string().min(1).max(64),
  started_at: InstantSchema,
  spool_depth: z.number().int().min(0).max(INT4_MAX),
  spool_lost: z.number().int().min(0).default(0),
  last_seq: z.number().int().min(0),
});
/** A heartbeat. */
export type Heartbeat = z.infer<typeof HeartbeatSchema>;

/** Answer to a heartbeat: the collector's clock, so that an agent can notice clock skew. */
export const HeartbeatAckSchema = z.object({ server_time: InstantSchema });
/** Answer to a heartbeat. */
export type HeartbeatAck = z.infer<typeof HeartbeatAckSchema>;

/** A command for an agent, delivered by long-poll. */
export const AgentCommandSchema = z.discriminatedUnion('kind', [
  z.object({
    id: z.uuid(),
    kind: z.literal('check_now'),
    issued_at: InstantSchema,
    processMonitorIds: z.array(z.number().int().positive()).min(1).max(1000),
  }),
  /** The host's monitors changed: fetch the config now rather than at the next periodic refresh. */
  z.object({ id: z.uuid(), kind: z.literal('refresh_config'), issued_at: InstantSchema }),
  /**
   * Read the end of a monitor's log now and answer with `POST /agent/v1/commands/:id/result`. The path is
   * the one in the agent's own copy of the monitor, read only under the host's `log_dirs`: the command
   * names a monitor, never a file.
   */
  z.object({
    id: z.uuid(),
    kind: z.literal('log_tail'),
    issued_at: InstantSchema,
    processMonitorId: z.number().int().positive(),
    max_lines: z.number().int().min(1).max(LOG_TAIL_ON_DEMAND_MAX_LINES),
    max_bytes: z.number().int().min(1).max(LOG_TAIL_ON_DEMAND_MAX_BYTES),
  }),
]);
/** A command for an agent. */
export type AgentCommand = z.infer<typeof AgentCommandSchema>;

/**
 * Body of `GET /agent/v1/commands` when there is something to do (204 otherwise). Commands are checked one
 * by one with {@link AgentCommandSchema}, so that a command an older agent does not know is skipped, not
 * the whole list.
 */
export const AgentCommandListSchema = z.object({ commands: z.array(AgentCommandSchema) });

/** Body of `POST /agent/v1/commands/:id/result`: what a command that answers found. */
export const AgentCommandResultSchema = z.discriminatedUnion('kind', [
  z.object({ protocol: ProtocolVersion, kind: z.literal('log_tail'), log_tail: LogTailSchema }),
]);
/** A command's answer. */
export type AgentCommandResult = z.infer<typeof AgentCommandResultSchema>;
/** Commands for an agent. */
export type AgentCommandList = z.infer<typeof AgentCommandListSchema>;
