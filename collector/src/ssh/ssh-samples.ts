import { randomUUID } from 'node:crypto';
import {
  COMMAND_LINE_MAX_LENGTH,
  type CompiledCalendar,
  ERROR_MESSAGE_MAX_LENGTH,
  matchMonitor,
  type ProcessEntry,
  type ProcessMatch,
  SAMPLE_MATCHES_MAX,
  type Sample,
  tradeDay,
} from '@procwatch/shared';
import type { ProcessMonitor } from '../db/schema.ts';
import type { HostSnapshot } from './remote-snapshot.ts';

/** The ProcessMonitor fields an SSH check reads. */
export type SshMonitor = Pick<
  ProcessMonitor,
  | 'id'
  | 'hostServerId'
  | 'process_name'
  | 'command_pattern'
  | 'pid_file'
  | 'check_interval'
  | 'monitor_start_time'
  | 'monitor_end_time'
>;

/**
 * A monitor's latest known identity (pid, start time), from its current status. The agent reads
 * the host's boot time once at its start and we read it at every check; NTP may have moved it by
 * a second meanwhile, and the warning engine tells processes apart by exact start time. Within the
 * start time's precision, the same pid is the same process: its known start time is kept.
 */
export interface KnownIdentity {
  readonly pid: number | null;
  readonly startTime: Date | null;
}

/** A sample made by the SSH fallback: the agent's sample fields, no sequence number, source SSH. */
export type SshSample = Omit<Sample, 'seq'> & { readonly seq: null; readonly source: 'SSH' };

/** When and for how long the check ran, and the calendar for its trade day. */
export interface SampleContext {
  readonly checkedAt: Date;
  readonly durationMs: number;
  readonly calendar: CompiledCalendar;
}

const MIB = 1024 * 1024;

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function base(monitor: SshMonitor, context: SampleContext) {
  return {
    sample_id: randomUUID(),
    seq: null,
    source: 'SSH' as const,
    processMonitorId: monitor.id,
    trade_day: tradeDay(context.checkedAt, context.calendar),
    checked_at: context.checkedAt.toISOString(),
    check_duration_ms: Math.max(0, Math.round(context.durationMs)),
  };
}

/**
 * Matches every monitor against one host snapshot with the agent's matcher and turns the results
 * into samples. Pure: the snapshot carries everything (CPU % over its interval, memory total,
 * the host's own uptime so that uptimes do not depend on the collector's clock).
 */
export function samplesFromSnapshot(
  monitors: readonly SshMonitor[],
  snapshot: HostSnapshot,
  context: SampleContext,
  known: ReadonlyMap<number, KnownIdentity> = new Map(),
): SshSample[] {
  const { processes } = snapshot;
  const options = {
    pidFiles: snapshot.pidFiles,
    excludePids: processes.excludePids,
    startTimePrecisionMs: processes.startTimePrecisionMs,
  };
  return monitors.map((monitor) => {
    const result = matchMonitor(processes.entries, monitor, options);
    const primary = result.primary;
    const rss = primary?.rssBytes ?? null;
    const memTotal = processes.memTotalBytes;
    const startOffsetS = primary ? (primary.startTime.getTime() - processes.bootTime.getTime()) / 1000 : 0;
    const last = known.get(monitor.id);
    const startTime =
      primary &&
      last?.pid === primary.pid &&
      last.startTime &&
      Math.abs(last.startTime.getTime() - primary.startTime.getTime()) <= processes.startTimePrecisionMs
        ? last.startTime
        : primary?.startTime;
    return {
      ...base(monitor, context),
      status: result.status,
      pid: primary?.pid ?? null,
      cpu_percent: primary ? (processes.cpuPercent.get(primary.pid) ?? null) : null,
      memory_percent: rss !== null && memTotal ? Math.min(100, round((rss / memTotal) * 100, 3)) : null,
      memory_used_mb: rss !== null ? round(rss / MIB, 3) : null,
      uptime_seconds: primary ? Math.max(0, Math.floor(processes.hostUptimeS - startOffsetS)) : null,
      start_time: startTime ? startTime.toISOString() : null,
      error_message: result.message === null ? null : clip(result.message, ERROR_MESSAGE_MAX_LENGTH),
      process_count: result.processCount,
      matches: result.matches.slice(0, SAMPLE_MATCHES_MAX).map((e) => matchOf(e, processes.cpuPercent)),
    };
  });
}

function matchOf(entry: ProcessEntry, cpuPercent: ReadonlyMap<number, number>): ProcessMatch {
  return {
    pid: entry.pid,
    start_time: entry.startTime.toISOString(),
    name: clip(entry.name, 1024),
    command: clip(entry.cmdline, COMMAND_LINE_MAX_LENGTH),
    cpu_percent: cpuPercent.get(entry.pid) ?? null,
    rss_bytes: entry.rssBytes ?? null,
  };
}

/** ERROR samples for every monitor of a host whose check failed (refused key, timeout, …). */
export function errorSamples(
  monitors: readonly SshMonitor[],
  message: string,
  context: SampleContext,
): SshSample[] {
  return monitors.map((monitor) => ({
    ...base(monitor, context),
    status: 'ERROR',
    pid: null,
    cpu_percent: null,
    memory_percent: null,
    memory_used_mb: null,
    uptime_seconds: null,
    start_time: null,
    error_message: clip(`SSH check failed: ${message}`, ERROR_MESSAGE_MAX_LENGTH),
    process_count: 0,
    matches: [],
  }));
}
