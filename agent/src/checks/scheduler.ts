import { randomUUID } from 'node:crypto';
import {
  type AgentConfig,
  type AgentMonitorSpec,
  type CompiledCalendar,
  compileCalendar,
  errorMessage,
  formatYmd,
  isProcessDown,
  isSameProcess,
  monitorsOnCycles,
  type ProcessIdentity,
  type ProcessStatusType,
  runLoop,
  type Sample,
  stoppedStateReason,
  tradeDay,
} from '@procwatch/shared';
import type { Logger } from 'pino';
import { readLogTail } from '../logs/read-log-tail.ts';
import { ProbeTracker } from '../probes/probe-tracker.ts';
import type { ProcessLister } from '../processes/process-lister.ts';
import type { RestartBlocker, RestartManager } from '../restart/restart-manager.ts';
import type { Spool } from '../spool/spool.ts';
import { type CheckRunnerContext, runChecks } from './check-runner.ts';
import { CpuMeter } from './cpu-meter.ts';
import { isWithinMonitorWindow } from './monitor-window.ts';
import { buildSample, type MonitorCheck } from './sample-builder.ts';
import { nextGridTime } from './schedule.ts';

interface MonitorState {
  spec: AgentMonitorSpec;
  specKey: string;
  nextDueMs: number;
  /** The primary process last seen, watched by the liveness loop. */
  primary: (ProcessIdentity & { stopped: boolean }) | null;
  lastStatus: ProcessStatusType | null;
  /** Whether the health probe passed at the last check; null without a probe or while not running. */
  probeOk: boolean | null;
}

/** Options of the {@link Scheduler}. */
export interface SchedulerOptions {
  readonly lister: ProcessLister;
  readonly spool: Spool;
  readonly log: Logger;
  readonly totalMemoryBytes: number;
  /** Called after samples were spooled; `urgent` when a liveness change or a command caused the check. */
  readonly onSamples: (samples: Sample[], urgent: boolean) => void;
  readonly selfPid?: number;
  readonly phaseMs?: number;
  readonly firstReadingDelayMs?: number;
  /** Auto-restart of monitors that name a restart action; without it nothing is restarted. */
  readonly restarts?: RestartManager;
  /** Directories (host's agent config) under which a monitor's log_file may be read. */
  readonly logDirs?: readonly string[];
}

/**
 * Runs each monitor on its `check_interval` inside its `monitor_start_time`..`monitor_end_time`,
 * one process scan for all monitors due together. Between full checks it watches the primary PIDs
 * every `liveness_interval_ms` (one /proc/<pid>/stat read each): a PID gone, a new start time
 * (restart) or a change between running and stopped triggers an immediate full check of that
 * monitor and an urgent push.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #log: Logger;
  readonly #cpuMeter = new CpuMeter();
  readonly #runner: CheckRunnerContext;
  readonly #phaseMs: number;
  #monitors = new Map<number, MonitorState>();
  #calendar: CompiledCalendar | null = null;
  #livenessIntervalMs = 1000;
  /** Monitors on a dependency cycle: their dependencies are ignored for restart ordering. */
  #onCycles = new Set<number>();
  #queue: Promise<unknown> = Promise.resolve();
  readonly #probes = new ProbeTracker();
  /** Scans done, for the benchmark and tests. */
  scans = 0;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#log = options.log;
    // A per-agent phase spreads many hosts' checks over the minute instead of all at :00.
    this.#phaseMs = options.phaseMs ?? Math.floor(Math.random() * 60_000);
    this.#runner = {
      lister: options.lister,
      cpuMeter: this.#cpuMeter,
      selfPid: options.selfPid ?? process.pid,
      firstReadingDelayMs: options.firstReadingDelayMs,
    };
  }

  /** Applies a (new) config: changed or new monitors are checked at once, removed ones forgotten. */
  setConfig(config: AgentConfig, nowMs = Date.now()): void {
    this.#calendar = compileCalendar(config.calendar);
    this.#livenessIntervalMs = config.settings.liveness_interval_ms;
    const next = new Map<number, MonitorState>();
    for (const spec of config.monitors) {
      const specKey = JSON.stringify(spec);
      const old = this.#monitors.get(spec.id);
      if (old && old.specKey === specKey) next.set(spec.id, { ...old, spec });
      else
        next.set(spec.id, {
          spec,
          specKey,
          nextDueMs: nowMs,
          primary: null,
          lastStatus: null,
          probeOk: null,
        });
    }
    this.#monitors = next;
    // The collector refuses cycles; one that slipped through must not make two monitors wait for each other.
    this.#onCycles = monitorsOnCycles(new Map(config.monitors.map((m) => [m.id, m.depends_on ?? []])));
    if (this.#onCycles.size > 0) {
      this.#log.error(
        { monitors: [...this.#onCycles] },
        'dependency cycle in the config; these monitors are restarted without waiting for dependencies',
      );
    }
    this.#options.restarts?.retain(new Set(next.keys()));
  }

  /** Makes a monitor due at the next tick (a restart finished, a backoff ran out). */
  recheck(id: number): void {
    const m = this.#monitors.get(id);
    if (m) m.nextDueMs = 0;
  }

  /** The monitor as the config last applied names it (commands act on this copy, never on what they say). */
  monitor(id: number): AgentMonitorSpec | undefined {
    return this.#monitors.get(id)?.spec;
  }

  get monitorCount(): number {
    return this.#monitors.size;
  }

  /** Runs the liveness watch and due checks every liveness interval until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return runLoop((s) => this.tick(s), {
      signal,
      intervalMs: () => this.#livenessIntervalMs,
      backoffBaseMs: 1000,
      backoffMaxMs: 10_000,
      onError: (error) => this.#log.error({ error: errorMessage(error) }, 'scheduler tick failed'),
    });
  }

  /** One round: watch the known primaries, then check every monitor that is due or changed. */
  async tick(signal?: AbortSignal): Promise<void> {
    const nowMs = Date.now();
    const now = new Date(nowMs);
    const active = [...this.#monitors.values()].filter((m) => isWithinMonitorWindow(m.spec, now));
    for (const m of this.#monitors.values()) if (!active.includes(m)) m.primary = null;
    const changed = await this.#watchPrimaries(active, signal);
    if (changed.length > 0) {
      this.#log.debug(
        { monitors: changed.map((m) => m.spec.id) },
        'liveness: primary gone, restarted or stopped',
      );
    }
    // Due within half a tick: check now rather than scan again a moment later.
    const horizon = nowMs + this.#livenessIntervalMs / 2;
    const due = active.filter((m) => m.nextDueMs <= horizon);
    for (const m of due) {
      const intervalMs = m.spec.check_interval * 1000;
      // After an off-grid first check, skip a grid point that comes too soon: one scan, not two.
      const after = m.lastStatus === null ? nowMs + intervalMs / 2 : nowMs;
      m.nextDueMs = nextGridTime(after, intervalMs, this.#phaseMs);
    }
    const toCheck = new Set([...due, ...changed]);
    if (toCheck.size > 0) await this.#check([...toCheck], changed.length > 0, signal);
  }

  async #watchPrimaries(active: MonitorState[], signal?: AbortSignal): Promise<MonitorState[]> {
    const watched = active.filter((m) => m.primary !== null);
    this.#log.trace({ active: active.length, watched: watched.length }, 'liveness tick');
    if (watched.length === 0) return [];
    const probes = await this.#options.lister.probe([...new Set(watched.map((m) => m.primary!.pid))], {
      signal,
    });
    const tolerance = this.#options.lister.identityToleranceMs;
    return watched.filter((m) => {
      const primary = m.primary!;
      const probe = probes.get(primary.pid);
      if (!probe || !isSameProcess(primary, probe, tolerance)) return true;
      return (stoppedStateReason(probe.state) !== null) !== primary.stopped;
    });
  }

  /**
   * Checks the given monitors at once (the "check now" command), inside their window or not: someone
   * asked explicitly. Unknown ids are ignored.
   */
  async checkNow(ids: readonly number[], signal?: AbortSignal): Promise<Sample[]> {
    const monitors = ids.flatMap((id) => {
      const m = this.#monitors.get(id);
      return m ? [m] : [];
    });
    if (monitors.length === 0) return [];
    return this.#check(monitors, true, signal);
  }

  #check(monitors: MonitorState[], urgent: boolean, signal?: AbortSignal): Promise<Sample[]> {
    // One check at a time: a command and the tick never scan concurrently.
    const run = this.#queue.then(() => this.#checkNow(monitors, urgent, signal));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #checkNow(monitors: MonitorState[], urgent: boolean, signal?: AbortSignal): Promise<Sample[]> {
    const run = await runChecks(
      monitors.map((m) => m.spec),
      this.#runner,
      { signal },
    );
    this.scans += 1;
    const probes = await this.#probes.run(
      run.checks.map((c) => ({ monitor: c.monitor, status: c.result.status })),
      signal,
    );
    // The first sample that finds a process down carries the end of its log.
    const tails = new Map(
      await Promise.all(
        run.checks.flatMap((check, i) => {
          const down = isProcessDown(check.result.status);
          const before = monitors[i]?.lastStatus;
          const wasDown = isProcessDown(before);
          const file = check.monitor.log_file;
          if (!down || wasDown || !file) return [];
          return [readLogTail(file, this.#options.logDirs ?? []).then((t) => [check.monitor.id, t] as const)];
        }),
      ),
    );
    const samples = run.checks.map((check) => {
      const sample = buildSample(check, {
        sampleId: randomUUID(),
        tradeDay: this.#tradeDay(check),
        totalMemoryBytes: this.#options.totalMemoryBytes,
      });
      const restartEvents = this.#options.restarts?.takeEvents(check.monitor.id);
      const probe = probes.get(check.monitor.id);
      return {
        ...sample,
        ...(restartEvents ? { restart_events: restartEvents } : {}),
        ...(probe ? { probe } : {}),
        ...(tails.has(check.monitor.id) ? { log_tail: tails.get(check.monitor.id) } : {}),
      };
    });
    const written = this.#options.spool.append(samples);
    for (const [i, check] of run.checks.entries()) {
      const state = monitors[i];
      if (!state) continue;
      const { result } = check;
      state.probeOk = probes.get(check.monitor.id)?.ok ?? null;
      state.primary = result.primary
        ? {
            pid: result.primary.pid,
            startTime: result.primary.startTime,
            stopped: result.status === 'STOPPED',
          }
        : null;
      if (state.lastStatus !== result.status) {
        this.#log.info(
          {
            monitor: state.spec.name,
            monitorId: state.spec.id,
            from: state.lastStatus,
            to: result.status,
            pid: result.primary?.pid ?? null,
            message: result.message,
          },
          'status changed',
        );
      }
      state.lastStatus = result.status;
    }
    // After every status of this scan is in: a dependency found down in the same scan as its dependent blocks it.
    for (const state of monitors) {
      if (state.lastStatus === null) continue;
      this.#options.restarts?.observe(state.spec, state.lastStatus, {
        blockedBy: this.#blockerOf(state.spec),
      });
    }
    this.#cpuMeter.prune(
      Date.now() - 3 * Math.max(60_000, ...monitors.map((m) => m.spec.check_interval * 1000)),
    );
    this.#log.debug({ monitors: monitors.length, urgent, durationMs: run.checks[0]?.durationMs }, 'checked');
    this.#options.onSamples(written, urgent);
    return written;
  }

  /** A dependency of `spec` on this host, inside its monitoring window, that is down or failing its probe. */
  #blockerOf(spec: AgentMonitorSpec): RestartBlocker | null {
    if (this.#onCycles.has(spec.id)) return null;
    const now = new Date();
    for (const id of spec.depends_on ?? []) {
      // Not in this host's config: another host's monitor, whose state this agent cannot see.
      const dependency = this.#monitors.get(id);
      if (!dependency || !isWithinMonitorWindow(dependency.spec, now)) continue;
      const { lastStatus, probeOk } = dependency;
      if (isProcessDown(lastStatus) || (lastStatus === 'RUNNING' && probeOk === false)) {
        return { id, name: dependency.spec.name };
      }
    }
    return null;
  }

  #tradeDay(check: MonitorCheck): string {
    try {
      return tradeDay(check.checkedAt, this.#calendar ?? undefined);
    } catch (error) {
      // A calendar that lists every day as a holiday: keep the sample, dated by the UTC day.
      this.#log.error({ error: errorMessage(error) }, 'trade day unknown; using the UTC date');
      const d = check.checkedAt;
      return formatYmd({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
    }
  }
}
