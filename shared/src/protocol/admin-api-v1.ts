import { z } from 'zod';
import {
  HostKeyPolicySchema,
  PROCESS_STATUS_TYPES,
  PROCESS_TYPES,
  ProcessStatusTypeSchema,
  ProcessTypeSchema,
  SampleSourceSchema,
} from '../model/enums.ts';
import { hostKeyPinProblem } from '../model/host-key-pin.ts';
import { INT4_MAX } from '../model/limits.ts';
import { FundAccountKeySchema } from '../model/monitor.ts';
import { freeText, InstantSchema, nameText, TradeDaySchema } from '../model/text.ts';
import { ProcessMatchSchema } from './agent-v1.ts';
import { LOG_TAIL_ON_DEMAND_MAX_LINES } from './log-tail.ts';
import { ProbeSpecSchema } from './probe.ts';

// DTOs of the collector's admin API v1 (`/api/v1/...`). Field names are the design note's Prisma
// names, so a row and its JSON look alike. Request bodies are strict: a misspelt field is a 400.

/** A database id: a positive PostgreSQL `integer`. */
export const IdSchema = z.number().int().positive().max(INT4_MAX);

const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

/** A host name or address for SSH: no spaces or control characters, and never an option (`-…`). */
export const HostAddressSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .regex(/^[A-Za-z0-9._:%[\]-]+$/, 'must be a host name or an IP address')
  .refine((a) => !a.startsWith('-'), 'must not start with "-"');

/** A pinned host key: an OpenSSH public key line (`ssh-ed25519 AAAA…`) or a `SHA256:` fingerprint. */
export const SshHostKeySchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(16_384, 'must be at most 16384 characters')
  .regex(NO_CONTROL, 'must be one line without control characters')
  .superRefine((text, ctx) => {
    // What the SSH fallback can verify: an unusable pin would only fail later, at every check.
    const problem = hostKeyPinProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Fields of a HostServer that an admin sets. */
export const HostFieldsSchema = z.strictObject({
  name: nameText(200),
  address: HostAddressSchema,
  ssh_port: z.number().int().min(1).max(65_535).optional(),
  ssh_user: nameText(64)
    .regex(/^[A-Za-z0-9._][A-Za-z0-9._-]*$/, 'must be a user name')
    .nullable()
    .optional(),
  ssh_host_key: SshHostKeySchema.nullable().optional(),
  ssh_host_key_policy: HostKeyPolicySchema.optional(),
  heartbeat_timeout_seconds: z.number().int().min(5).max(86_400).optional(),
  active: z.boolean().optional(),
  remark: freeText(2000).nullable().optional(),
});
/** Body of `POST /api/v1/hosts`. */
export const HostCreateSchema = HostFieldsSchema;
/** Input of a host create. */
export type HostCreate = z.infer<typeof HostCreateSchema>;
/** Body of `PATCH /api/v1/hosts/:id`: any subset of the fields. */
export const HostUpdateSchema = HostFieldsSchema.partial();
/** A partial host update. */
export type HostUpdate = z.infer<typeof HostUpdateSchema>;

/** A HostServer as the API shows it: its settings and what its agent last reported (never the token). */
export const HostSchema = z.object({
  id: IdSchema,
  name: z.string(),
  address: z.string(),
  ssh_port: z.number().int(),
  ssh_user: z.string().nullable(),
  ssh_host_key: z.string().nullable(),
  ssh_host_key_policy: HostKeyPolicySchema,
  heartbeat_timeout_seconds: z.number().int(),
  active: z.boolean(),
  remark: z.string().nullable(),
  agent_token_id: z.string().nullable(),
  last_heartbeat_at: InstantSchema.nullable(),
  agent_version: z.string().nullable(),
  agent_started_at: InstantSchema.nullable(),
  agent_spool_depth: z.number().int().nullable(),
  agent_last_seq: z.number().int().nullable(),
  /** The last heartbeat is younger than heartbeat_timeout_seconds. */
  agent_online: z.boolean(),
  createdAt: InstantSchema,
  updatedAt: InstantSchema,
});
/** A host as the API shows it. */
export type Host = z.infer<typeof HostSchema>;

/** Answer to a host create or a token rotation: the host and its agent token, shown this once. */
export const HostWithTokenSchema = HostSchema.extend({ agent_token: z.string() });
/** A host with its new agent token. */
export type HostWithToken = z.infer<typeof HostWithTokenSchema>;

/** Body of `POST /api/v1/fund-accounts`. */
export const FundAccountCreateSchema = z.strictObject({
  account: FundAccountKeySchema,
  name: nameText(200).nullable().optional(),
  broker: nameText(200).nullable().optional(),
  remark: freeText(2000).nullable().optional(),
});
/** Input of a fund account create. */
export type FundAccountCreate = z.infer<typeof FundAccountCreateSchema>;
/** Body of `PATCH /api/v1/fund-accounts/:account` (the key itself cannot change). */
export const FundAccountUpdateSchema = FundAccountCreateSchema.omit({ account: true }).partial();
/** A partial fund account update. */
export type FundAccountUpdate = z.infer<typeof FundAccountUpdateSchema>;

/** A FundAccount as the API shows it. */
export const FundAccountSchema = z.object({
  account: z.string(),
  name: z.string().nullable(),
  broker: z.string().nullable(),
  remark: z.string().nullable(),
  createdAt: InstantSchema,
  updatedAt: InstantSchema,
});
/** A fund account. */
export type FundAccount = z.infer<typeof FundAccountSchema>;

/** A ProcessMonitor as the API shows it: every seed field, nulls included. */
export const MonitorSchema = z.object({
  id: IdSchema,
  name: z.string(),
  process_type: ProcessTypeSchema,
  hostServerId: IdSchema,
  fundAccountId: z.string().nullable(),
  process_name: z.string().nullable(),
  command_pattern: z.string().nullable(),
  pid_file: z.string().nullable(),
  active: z.boolean(),
  check_interval: z.number().int(),
  monitor_start_time: InstantSchema.nullable(),
  monitor_end_time: InstantSchema.nullable(),
  remark: z.string().nullable(),
  session_windows: z.array(z.string()),
  cpu_threshold_percent: z.number().nullable(),
  memory_threshold_percent: z.number().nullable(),
  memory_threshold_mb: z.number().nullable(),
  /** Name of the host's restart action the agent runs when the process is down (issue 9). */
  restart_action: z.string().nullable().optional(),
  /** Health probe the agent runs while the process is RUNNING (issue 9). */
  probe: ProbeSpecSchema.nullable().optional(),
  log_file: z.string().nullable().optional(),
  /** Ids of the monitors this one depends on, ascending. */
  depends_on: z.array(IdSchema),
  createdAt: InstantSchema,
  updatedAt: InstantSchema,
});
/** A monitor as the API shows it. */
export type Monitor = z.infer<typeof MonitorSchema>;

// Query strings: text in, typed out. Decimal ids only, so that `1e3`, `0x10` or ` 1` are 400s.
/** A positive id in a query string. */
export const QueryId = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive whole number')
  .transform(Number)
  .pipe(IdSchema);
/** `true` or `false` in a query string. */
export const QueryBoolean = z
  .enum(['true', 'false'], { message: 'must be true or false' })
  .transform((v) => v === 'true');
const QueryText = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(NO_CONTROL, 'must not contain control characters');
/** A comma-separated list of enum values in a query string (`RUNNING,ERROR`). */
export function queryList<T extends string>(values: readonly [T, ...T[]], maxLength = 200) {
  const item = z.enum(values);
  return z
    .string()
    .max(maxLength)
    .transform((text, ctx) => {
      const out: T[] = [];
      for (const part of text.split(',')) {
        const parsed = item.safeParse(part.trim());
        if (!parsed.success) {
          ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of ${values.join(', ')}` });
          return z.NEVER;
        }
        out.push(parsed.data);
      }
      return out;
    });
}

/** Filters of `GET /api/v1/monitors`. */
export const MonitorListQuerySchema = z.strictObject({
  hostServerId: QueryId.optional(),
  process_type: queryList(PROCESS_TYPES).optional(),
  active: QueryBoolean.optional(),
  fundAccountId: QueryText.optional(),
});
/** Filters of the monitor list. */
export type MonitorListQuery = z.infer<typeof MonitorListQuerySchema>;

/** Query of `DELETE /api/v1/monitors/:id`. */
export const MonitorDeleteQuerySchema = z.strictObject({ with_history: QueryBoolean.optional() });

/** Filters of `GET /api/v1/status`. */
export const StatusQuerySchema = z.strictObject({
  hostServerId: QueryId.optional(),
  process_type: queryList(PROCESS_TYPES).optional(),
  status: queryList(PROCESS_STATUS_TYPES).optional(),
  stale: QueryBoolean.optional(),
  active: QueryBoolean.optional(),
  fundAccountId: QueryText.optional(),
});
/** Filters of the status list. */
export type StatusQuery = z.infer<typeof StatusQuerySchema>;

/**
 * One monitor with its latest status (null fields when it never reported). `stale`: no status yet,
 * or the latest is older than max(3 × check_interval, the host's heartbeat timeout).
 */
export const StatusItemSchema = z.object({
  processMonitorId: IdSchema,
  name: z.string(),
  process_type: ProcessTypeSchema,
  hostServerId: IdSchema,
  host_name: z.string(),
  fundAccountId: z.string().nullable(),
  active: z.boolean(),
  check_interval: z.number().int(),
  status: ProcessStatusTypeSchema.nullable(),
  status_since: InstantSchema.nullable(),
  checked_at: InstantSchema.nullable(),
  trade_day: z.string().nullable(),
  pid: z.number().int().nullable(),
  cpu_percent: z.number().nullable(),
  memory_percent: z.number().nullable(),
  memory_used_mb: z.number().nullable(),
  uptime_seconds: z.number().int().nullable(),
  start_time: InstantSchema.nullable(),
  check_duration_ms: z.number().int().nullable(),
  error_message: z.string().nullable(),
  source: SampleSourceSchema.nullable(),
  process_count: z.number().int().nullable(),
  stale: z.boolean(),
});
/** One row of the status list. */
export type StatusItem = z.infer<typeof StatusItemSchema>;

/** Body of `GET /api/v1/status`. */
export const StatusListSchema = z.object({
  generated_at: InstantSchema,
  items: z.array(StatusItemSchema),
});
/** The status list. */
export type StatusList = z.infer<typeof StatusListSchema>;

/** Query of `GET /api/v1/monitors/:id/history`: a time range or a trade day, newest first. */
export const HistoryQuerySchema = z
  .strictObject({
    from: InstantSchema.optional(),
    to: InstantSchema.optional(),
    trade_day: TradeDaySchema.optional(),
    limit: z
      .string()
      .regex(/^[1-9][0-9]{0,3}$/, 'must be a whole number from 1 to 1000')
      .transform(Number)
      .pipe(z.number().max(1000, 'must be at most 1000'))
      .optional(),
    cursor: z.string().max(200, 'is not a cursor of this list').optional(),
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && Date.parse(q.to) <= Date.parse(q.from)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    }
  });
/** Query of the history list. */
export type HistoryQuery = z.infer<typeof HistoryQuerySchema>;

/** One stored check result (a ProcessStatus row). */
export const HistoryItemSchema = z.object({
  id: z.number().int(),
  processMonitorId: IdSchema,
  status: ProcessStatusTypeSchema,
  pid: z.number().int().nullable(),
  cpu_percent: z.number().nullable(),
  memory_percent: z.number().nullable(),
  memory_used_mb: z.number().nullable(),
  uptime_seconds: z.number().int().nullable(),
  start_time: InstantSchema.nullable(),
  trade_day: z.string(),
  checked_at: InstantSchema,
  check_duration_ms: z.number().int().nullable(),
  error_message: z.string().nullable(),
  sample_id: z.string(),
  source: SampleSourceSchema,
  seq: z.number().int().nullable(),
  process_count: z.number().int(),
  matches: z.array(ProcessMatchSchema).nullable(),
  createdAt: InstantSchema,
});
/** One history row. */
export type HistoryItem = z.infer<typeof HistoryItemSchema>;

/** A page of history: `next_cursor` fetches the next (older) page; null at the end. */
export const HistoryPageSchema = z.object({
  items: z.array(HistoryItemSchema),
  next_cursor: z.string().nullable(),
});
/** A page of history. */
export type HistoryPage = z.infer<typeof HistoryPageSchema>;

/** Query of `POST /api/v1/monitors/:id/log-tail`. */
export const LogTailQuerySchema = z.strictObject({
  lines: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, `must be a whole number from 1 to ${LOG_TAIL_ON_DEMAND_MAX_LINES}`)
    .transform(Number)
    .pipe(z.number().max(LOG_TAIL_ON_DEMAND_MAX_LINES, `must be at most ${LOG_TAIL_ON_DEMAND_MAX_LINES}`))
    .optional(),
});

/** Answer of `POST /api/v1/monitors/:id/log-tail`: the end of the monitor's log, as its host's agent read it. */
export const MonitorLogTailSchema = z.object({
  processMonitorId: IdSchema,
  path: z.string(),
  text: z.string(),
  /** The file holds more than this (older lines left out). */
  truncated: z.boolean(),
  read_at: InstantSchema,
});
/** A log tail fetched on demand. */
export type MonitorLogTail = z.infer<typeof MonitorLogTailSchema>;

/** A list answer: `{ items: [...] }`. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}
