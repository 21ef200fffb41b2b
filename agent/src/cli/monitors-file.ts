import {
  type AgentMonitorSpec,
  CHECK_INTERVAL_MAX_S,
  CHECK_INTERVAL_MIN_S,
  CommandPatternSchema,
  InstantSchema,
  PidFileSchema,
  ProcessNameSchema,
  ProcessTypeSchema,
} from '@procwatch/shared';
import { z } from 'zod';
import { AgentConfigError, describeIssues, readJsonFile } from '../config.ts';

/**
 * A monitor in a local `--monitors` file: the seed's field names, with defaults for what a dry run
 * does not need (id, type, interval).
 */
export const LocalMonitorSchema = z
  .object({
    id: z.number().int().positive().optional(),
    name: z.string().trim().min(1).max(200),
    process_type: ProcessTypeSchema.default('CUSTOM'),
    fundAccountId: z.string().nullable().default(null),
    process_name: ProcessNameSchema.nullable().default(null),
    command_pattern: CommandPatternSchema.nullable().default(null),
    pid_file: PidFileSchema.nullable().default(null),
    check_interval: z.number().int().min(CHECK_INTERVAL_MIN_S).max(CHECK_INTERVAL_MAX_S).default(60),
    monitor_start_time: InstantSchema.nullable().default(null),
    monitor_end_time: InstantSchema.nullable().default(null),
  })
  .refine((m) => m.process_name || m.command_pattern || m.pid_file, {
    message: 'at least one of process_name, command_pattern or pid_file is required',
    path: ['process_name'],
  });

const MonitorsFileSchema = z.object({ monitors: z.array(LocalMonitorSchema).min(1, 'lists no monitor') });

/**
 * Reads a monitors file: `[...]`, `{ "monitors": [...] }` (a collector config body) or a config cache
 * (`{ "config": { "monitors": [...] } }`). Errors name the file, the monitor and the field.
 */
export function readMonitorsFile(path: string): AgentMonitorSpec[] {
  const raw = readJsonFile(path);
  let data: unknown = raw;
  if (Array.isArray(raw)) data = { monitors: raw };
  else if (raw && typeof raw === 'object' && 'config' in raw) data = (raw as { config: unknown }).config;
  const parsed = MonitorsFileSchema.safeParse(data);
  if (!parsed.success) throw new AgentConfigError(describeIssues(path, parsed.error, data));
  return parsed.data.monitors.map((m, i) => ({ ...m, id: m.id ?? i + 1 }));
}

/** Builds the monitor of `check --name/--pattern/--pid-file`, validated like any other. */
export function adHocMonitor(selectors: {
  name?: string;
  pattern?: string;
  pidFile?: string;
}): AgentMonitorSpec {
  const raw = {
    name: 'command line',
    process_name: selectors.name ?? null,
    command_pattern: selectors.pattern ?? null,
    pid_file: selectors.pidFile ?? null,
  };
  const parsed = LocalMonitorSchema.safeParse(raw);
  if (!parsed.success) {
    const flags: Record<string, string> = {
      process_name: '--name',
      command_pattern: '--pattern',
      pid_file: '--pid-file',
    };
    throw new AgentConfigError(
      parsed.error.issues
        .map((i) => `${flags[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`)
        .join('\n'),
    );
  }
  return { ...parsed.data, id: parsed.data.id ?? 1 };
}
