import {
  type AgentMonitorSpec,
  COMMAND_LINE_MAX_LENGTH,
  ERROR_MESSAGE_MAX_LENGTH,
  type MonitorMatchResult,
  type ProcessMatch,
  SAMPLE_MATCHES_MAX,
  type Sample,
} from '@procwatch/shared';

/** CPU and memory of one matched process, measured by the check. */
export interface ProcessUsage {
  readonly cpuPercent: number | null;
  readonly rssBytes: number | null;
}

/** Everything one check of one monitor found. */
export interface MonitorCheck {
  readonly monitor: AgentMonitorSpec;
  readonly result: MonitorMatchResult;
  /** Usage by pid, for the matches that were measured. */
  readonly usage: ReadonlyMap<number, ProcessUsage>;
  readonly checkedAt: Date;
  readonly durationMs: number;
}

/** A sample before the spool gives it its sequence number. */
export type UnsequencedSample = Omit<Sample, 'seq'>;

const MIB = 1024 * 1024;

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Turns a check into the wire sample (the seed's ProcessStatus fields plus id, count and matches). */
export function buildSample(
  check: MonitorCheck,
  context: { readonly sampleId: string; readonly tradeDay: string; readonly totalMemoryBytes: number },
): UnsequencedSample {
  const { result, checkedAt } = check;
  const primary = result.primary;
  const usage = primary ? check.usage.get(primary.pid) : undefined;
  const rss = usage?.rssBytes ?? primary?.rssBytes ?? null;
  const cpu = usage?.cpuPercent ?? null;
  const matches: ProcessMatch[] = result.matches.slice(0, SAMPLE_MATCHES_MAX).map((m) => {
    const u = check.usage.get(m.pid);
    return {
      pid: m.pid,
      start_time: m.startTime.toISOString(),
      name: truncate(m.name, 1024),
      command: truncate(m.cmdline, COMMAND_LINE_MAX_LENGTH),
      cpu_percent: u?.cpuPercent == null ? null : round(Math.min(u.cpuPercent, 100_000), 2),
      rss_bytes: u?.rssBytes ?? m.rssBytes ?? null,
    };
  });
  return {
    sample_id: context.sampleId,
    processMonitorId: check.monitor.id,
    status: result.status,
    pid: primary?.pid ?? null,
    cpu_percent: cpu === null ? null : round(Math.min(cpu, 100_000), 2),
    memory_percent:
      rss === null || context.totalMemoryBytes <= 0
        ? null
        : round(Math.min(100, (rss / context.totalMemoryBytes) * 100), 3),
    memory_used_mb: rss === null ? null : round(rss / MIB, 2),
    uptime_seconds: primary
      ? Math.max(0, Math.floor((checkedAt.getTime() - primary.startTime.getTime()) / 1000))
      : null,
    start_time: primary ? primary.startTime.toISOString() : null,
    trade_day: context.tradeDay,
    checked_at: checkedAt.toISOString(),
    check_duration_ms: Math.max(0, Math.round(check.durationMs)),
    error_message: result.message === null ? null : truncate(result.message, ERROR_MESSAGE_MAX_LENGTH),
    process_count: result.processCount,
    matches,
  };
}
