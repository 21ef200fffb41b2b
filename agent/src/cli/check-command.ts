import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { AgentMonitorSpec } from '@procwatch/shared';
import { runChecks } from '../checks/check-runner.ts';
import { CpuMeter } from '../checks/cpu-meter.ts';
import { AgentConfigError, loadAgentConfig } from '../config.ts';
import { createProcessLister, type ListerChoice } from '../processes/create-lister.ts';
import { CONFIG_CACHE_FILE, readConfigCache } from '../transport/config-cache.ts';
import { adHocMonitor, readMonitorsFile } from './monitors-file.ts';

/** Options of `procwatch-agent check`. */
export interface CheckCommandOptions {
  readonly configPath?: string;
  readonly monitorsFile?: string;
  readonly name?: string;
  readonly pattern?: string;
  readonly pidFile?: string;
  readonly json: boolean;
  readonly lister?: ListerChoice;
  readonly env: NodeJS.ProcessEnv;
}

/** One matching process in `check` output. */
export interface CheckedProcess {
  pid: number;
  ppid: number;
  uid: number | null;
  state: string | null;
  name: string;
  exe: string | null;
  start_time: string;
  uptime_seconds: number;
  cpu_percent: number | null;
  rss_bytes: number | null;
  memory_percent: number | null;
  command: string;
  primary: boolean;
}

/** One monitor in `check` output. */
export interface CheckedMonitor {
  id: number;
  name: string;
  status: string;
  message: string | null;
  process_count: number;
  pid: number | null;
  warning: string | null;
  matches: CheckedProcess[];
}

function monitorsFor(options: CheckCommandOptions): AgentMonitorSpec[] {
  if (options.name !== undefined || options.pattern !== undefined || options.pidFile !== undefined) {
    return [adHocMonitor({ name: options.name, pattern: options.pattern, pidFile: options.pidFile })];
  }
  if (options.monitorsFile) return readMonitorsFile(options.monitorsFile);
  const config = loadAgentConfig({ configPath: options.configPath, env: options.env });
  const cachePath = join(config.stateDir, CONFIG_CACHE_FILE);
  const cache = readConfigCache(cachePath);
  if (!cache) {
    throw new AgentConfigError(
      `no monitors to check: ${cachePath} does not exist (the agent writes it after its first config fetch); ` +
        'give --monitors FILE, or --name / --pattern / --pid-file',
    );
  }
  return cache.config.monitors;
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

/**
 * The one-shot dry run: matches every monitor against the processes now, with CPU over a short
 * interval, and pushes nothing.
 */
export async function checkMonitors(options: CheckCommandOptions): Promise<CheckedMonitor[]> {
  const monitors = monitorsFor(options);
  const lister = await createProcessLister(options.lister ?? 'auto');
  try {
    const run = await runChecks(monitors, {
      lister,
      cpuMeter: new CpuMeter(),
      selfPid: process.pid,
      readAll: true,
    });
    const total = totalmem();
    return run.checks.map(({ monitor, result, usage, checkedAt }) => ({
      id: monitor.id,
      name: monitor.name,
      status: result.status,
      message: result.message,
      process_count: result.processCount,
      pid: result.primary?.pid ?? null,
      warning:
        result.processCount > 1
          ? `${result.processCount} processes match; the oldest (pid ${result.primary?.pid}) is the primary`
          : null,
      matches: result.matches.map((m) => {
        const u = usage.get(m.pid);
        const rss = u?.rssBytes ?? m.rssBytes ?? null;
        return {
          pid: m.pid,
          ppid: m.ppid,
          uid: m.uid ?? null,
          state: m.state ?? null,
          name: m.name,
          exe: m.exe ?? null,
          start_time: m.startTime.toISOString(),
          uptime_seconds: Math.max(0, Math.floor((checkedAt.getTime() - m.startTime.getTime()) / 1000)),
          cpu_percent: u?.cpuPercent == null ? null : round(u.cpuPercent, 2),
          rss_bytes: rss,
          memory_percent: rss === null ? null : round((rss / total) * 100, 3),
          command: m.cmdline,
          primary: m === result.primary,
        };
      }),
    }));
  } finally {
    await lister.close();
  }
}

function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  return bytes >= 1024 * 1024 * 1024
    ? `${(bytes / 1024 ** 3).toFixed(1)}G`
    : bytes >= 1024 * 1024
      ? `${(bytes / 1024 ** 2).toFixed(1)}M`
      : `${Math.round(bytes / 1024)}K`;
}

/** Human-readable `check` output. */
export function formatCheckReport(monitors: readonly CheckedMonitor[]): string {
  const lines: string[] = [];
  for (const m of monitors) {
    lines.push(
      `${m.name} (#${m.id}): ${m.status}` +
        `${m.process_count > 0 ? `, ${m.process_count} match${m.process_count > 1 ? 'es' : ''}` : ''}` +
        `${m.message ? ` — ${m.message}` : ''}`,
    );
    if (m.warning) lines.push(`  warning: ${m.warning}`);
    if (m.matches.length > 0) {
      lines.push(
        `    ${'PID'.padStart(7)} ${'STARTED'.padEnd(24)} ${'CPU%'.padStart(6)} ${'RSS'.padStart(7)}  COMMAND`,
      );
      for (const p of m.matches) {
        lines.push(
          `  ${p.primary ? '*' : ' '} ${String(p.pid).padStart(7)} ${p.start_time.padEnd(24)} ` +
            `${p.cpu_percent === null ? '-'.padStart(6) : p.cpu_percent.toFixed(1).padStart(6)} ` +
            `${formatBytes(p.rss_bytes).padStart(7)}  ${p.command.length > 200 ? `${p.command.slice(0, 199)}…` : p.command}`,
        );
      }
    }
  }
  return lines.join('\n');
}
