import { z } from 'zod';
import { SessionWindowSchema } from '../calendar/session-window.ts';
import { DEPENDS_ON_MAX } from '../dependencies/dependency-graph.ts';
import { LogFileSchema } from '../protocol/log-tail.ts';
import { ProbeSpecSchema } from '../protocol/probe.ts';
import { RestartActionNameSchema } from '../protocol/restart-event.ts';
import { ProcessTypeSchema } from './enums.ts';
import {
  CHECK_INTERVAL_MAX_S,
  CHECK_INTERVAL_MIN_S,
  COMMAND_PATTERN_MAX_LENGTH,
  INT4_MAX,
  PID_FILE_MAX_LENGTH,
  PROCESS_NAME_MAX_LENGTH,
} from './limits.ts';
import { freeText, InstantSchema, nameText } from './text.ts';

/** A `command_pattern`: bounded in length and compilable as a JavaScript RegExp. */
export const CommandPatternSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(COMMAND_PATTERN_MAX_LENGTH, `must be at most ${COMMAND_PATTERN_MAX_LENGTH} characters`)
  .superRefine((pattern, ctx) => {
    try {
      new RegExp(pattern);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `is not a valid regular expression: ${(error as Error).message}`,
      });
    }
  });

/** A `pid_file`: an absolute path without NUL or newlines. */
export const PidFileSchema = z
  .string()
  .max(PID_FILE_MAX_LENGTH, `must be at most ${PID_FILE_MAX_LENGTH} characters`)
  .refine((p) => p.startsWith('/'), 'must be an absolute path')
  .refine((p) => !/[\u0000\n\r]/.test(p), 'must not contain NUL or newline characters');

/** A `process_name`: what ps shows as the name (comm) or the executable's basename. */
export const ProcessNameSchema = nameText(PROCESS_NAME_MAX_LENGTH).refine(
  (n) => !n.includes('/'),
  'must be a name, not a path (use pid_file or command_pattern for paths)',
);

/** `depends_on`: ids of the monitors (on any host) this one depends on, each named once. */
export const DependsOnSchema = z
  .array(z.number().int().positive().max(INT4_MAX))
  .max(DEPENDS_ON_MAX, `at most ${DEPENDS_ON_MAX} dependencies`)
  .refine((ids) => new Set(ids).size === ids.length, 'must not name a monitor twice');

/** A fund account key (`FundAccount.account`). */
export const FundAccountKeySchema = nameText(64);

/**
 * The fields of a ProcessMonitor as the seed names them, plus our warning settings.
 * Unknown fields are rejected so that a typo (`checkInterval`) is an error, not a silent default.
 */
export const MonitorFieldsSchema = z.strictObject({
  name: nameText(200),
  process_type: ProcessTypeSchema,
  hostServerId: z.number().int().positive().max(INT4_MAX),
  fundAccountId: FundAccountKeySchema.nullable().optional(),
  process_name: ProcessNameSchema.nullable().optional(),
  command_pattern: CommandPatternSchema.nullable().optional(),
  pid_file: PidFileSchema.nullable().optional(),
  active: z.boolean().optional(),
  check_interval: z
    .number()
    .int('must be a whole number of seconds')
    .min(CHECK_INTERVAL_MIN_S, `must be at least ${CHECK_INTERVAL_MIN_S} second`)
    .max(CHECK_INTERVAL_MAX_S, `must be at most ${CHECK_INTERVAL_MAX_S} seconds`)
    .optional(),
  monitor_start_time: InstantSchema.nullable().optional(),
  monitor_end_time: InstantSchema.nullable().optional(),
  remark: freeText(2000).nullable().optional(),
  session_windows: z.array(SessionWindowSchema).max(8, 'at most 8 windows').optional(),
  cpu_threshold_percent: z.number().positive().max(100_000).nullable().optional(),
  memory_threshold_percent: z.number().positive().max(100).nullable().optional(),
  memory_threshold_mb: z.number().positive().max(16_777_216).nullable().optional(),
  /** Name of a restart action defined in the host's own agent config (never a command line). */
  restart_action: RestartActionNameSchema.nullable().optional(),
  /** Health probe the agent runs while the process is RUNNING: TCP host:port or HTTP GET of an http(s) URL. */
  probe: ProbeSpecSchema.nullable().optional(),
  /** Log file whose last lines go with a crash warning; the agent reads it only under its own log_dirs. */
  log_file: LogFileSchema.nullable().optional(),
  /**
   * Monitors this one depends on: while one of them is down, this monitor's warnings are held and marked as
   * caused by it, and the agent restarts the dependency first. Saving a cycle is refused.
   */
  depends_on: DependsOnSchema.optional(),
});

/** Input fields of a monitor (create, or the merged result of an update). */
export type MonitorFields = z.infer<typeof MonitorFieldsSchema>;

/** Rules across fields; applied on create and on the merged record of an update. */
export function checkMonitorRules(m: Partial<MonitorFields>, ctx: z.RefinementCtx): void {
  if (m.process_type === 'TRADER' && !m.fundAccountId) {
    ctx.addIssue({ code: 'custom', path: ['fundAccountId'], message: 'is required for a TRADER monitor' });
  }
  if (!m.process_name && !m.command_pattern && !m.pid_file) {
    ctx.addIssue({
      code: 'custom',
      path: ['process_name'],
      message: 'at least one of process_name, command_pattern or pid_file is required',
    });
  }
  if (
    m.monitor_start_time &&
    m.monitor_end_time &&
    Date.parse(m.monitor_end_time) <= Date.parse(m.monitor_start_time)
  ) {
    ctx.addIssue({ code: 'custom', path: ['monitor_end_time'], message: 'must be after monitor_start_time' });
  }
}

/** Body of `POST /api/v1/monitors`. */
export const MonitorCreateSchema = MonitorFieldsSchema.superRefine(checkMonitorRules);

/** Body of `PATCH /api/v1/monitors/:id`: any subset; the merged record must pass {@link MonitorCreateSchema}. */
export const MonitorUpdateSchema = MonitorFieldsSchema.partial();
/** A partial monitor update. */
export type MonitorUpdate = z.infer<typeof MonitorUpdateSchema>;
