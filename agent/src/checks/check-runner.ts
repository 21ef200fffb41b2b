import {
  type AgentMonitorSpec,
  abortableSleep,
  type CompiledSelector,
  compileSelector,
  errorMessage,
  isSameProcess,
  type MonitorMatchResult,
  matchMonitor,
  type ProcessEntry,
  processTreePids,
  SAMPLE_MATCHES_MAX,
  SelectorError,
} from '@procwatch/shared';
import { readPidFiles } from '../processes/pid-files.ts';
import type { ProcessLister, ProcessProbe } from '../processes/process-lister.ts';
import type { CpuMeter } from './cpu-meter.ts';
import type { MonitorCheck, ProcessUsage } from './sample-builder.ts';

/** How long to wait for a second CPU reading of a process seen for the first time. */
export const FIRST_CPU_READING_DELAY_MS = 300;

/** What a check needs from its surroundings. */
export interface CheckRunnerContext {
  readonly lister: ProcessLister;
  readonly cpuMeter: CpuMeter;
  /** The checker's own pid: it and its descendants never match. */
  readonly selfPid: number;
  readonly firstReadingDelayMs?: number;
  /** Read every process's executable and uid (the `check` CLI shows them), not only when a monitor needs them. */
  readonly readAll?: boolean;
}

/** The result of one scan for a set of monitors. */
export interface CheckRun {
  readonly checks: MonitorCheck[];
  /** The full process list the checks matched against. */
  readonly entries: readonly ProcessEntry[];
}

const selectorCache = new WeakMap<AgentMonitorSpec, CompiledSelector | string>();

function selectorOf(monitor: AgentMonitorSpec): CompiledSelector | string {
  let selector = selectorCache.get(monitor);
  if (selector === undefined) {
    try {
      selector = compileSelector(monitor);
    } catch (error) {
      if (!(error instanceof SelectorError)) throw error;
      selector = error.message;
    }
    selectorCache.set(monitor, selector);
  }
  return selector;
}

function errorResult(message: string): MonitorMatchResult {
  return { status: 'ERROR', primary: null, matches: [], processCount: 0, message };
}

/**
 * One check of several monitors on one scan: list every process, match each monitor (pure, shared),
 * then read CPU time and RSS of the matched processes. A process without an earlier reading is read
 * twice, {@link FIRST_CPU_READING_DELAY_MS} apart, so even a first check reports CPU % over an interval.
 */
export async function runChecks(
  monitors: readonly AgentMonitorSpec[],
  context: CheckRunnerContext,
  options: { signal?: AbortSignal } = {},
): Promise<CheckRun> {
  const started = performance.now();
  const checkedAt = new Date();
  const { lister, cpuMeter } = context;
  let entries: ProcessEntry[];
  try {
    entries = await lister.list({
      signal: options.signal,
      exe: context.readAll || monitors.some((m) => m.process_name),
      uid: context.readAll,
    });
  } catch (error) {
    options.signal?.throwIfAborted();
    const message = `listing processes failed: ${errorMessage(error)}`;
    const durationMs = performance.now() - started;
    return {
      entries: [],
      checks: monitors.map((monitor) => ({
        monitor,
        result: errorResult(message),
        usage: new Map(),
        checkedAt,
        durationMs,
      })),
    };
  }
  const excludePids = processTreePids(entries, context.selfPid);
  const pidFiles = readPidFiles(monitors.flatMap((m) => (m.pid_file ? [m.pid_file] : [])));
  const results = monitors.map((monitor) => {
    const selector = selectorOf(monitor);
    if (typeof selector === 'string') return errorResult(selector);
    return matchMonitor(entries, selector, {
      excludePids,
      pidFiles,
      startTimePrecisionMs: lister.startTimePrecisionMs,
    });
  });

  const measured = new Map<number, ProcessEntry>();
  for (const r of results) for (const m of r.matches.slice(0, SAMPLE_MATCHES_MAX)) measured.set(m.pid, m);
  const usage = new Map<number, ProcessUsage>();
  let waitedMs = 0;
  if (measured.size > 0) {
    const observe = (probes: Map<number, ProcessProbe>) => {
      for (const [pid, entry] of measured) {
        const probe = probes.get(pid);
        if (!probe || !isSameProcess(entry, probe, lister.identityToleranceMs)) continue;
        const cpu =
          probe.cpuTimeMs === null ? null : cpuMeter.observe(entry, probe.cpuTimeMs, probe.readAtMs);
        usage.set(pid, { cpuPercent: cpu, rssBytes: probe.rssBytes ?? entry.rssBytes ?? null });
      }
    };
    observe(await lister.probe([...measured.keys()], options));
    const firstSeen = [...measured.keys()].filter((pid) => usage.get(pid)?.cpuPercent === null);
    if (firstSeen.length > 0) {
      const delay = context.firstReadingDelayMs ?? FIRST_CPU_READING_DELAY_MS;
      const waitStart = performance.now();
      await abortableSleep(delay, options.signal);
      options.signal?.throwIfAborted();
      waitedMs = performance.now() - waitStart;
      observe(await lister.probe(firstSeen, options));
    }
  }
  // The pause between two first readings is waiting, not checking.
  const durationMs = performance.now() - started - waitedMs;
  return {
    entries,
    checks: monitors.map((monitor, i) => ({
      monitor,
      result: results[i] ?? errorResult('internal: no result'),
      usage,
      checkedAt,
      durationMs,
    })),
  };
}
