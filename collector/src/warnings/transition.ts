import type { CompiledCalendar, OpsWarningType } from '@procwatch/shared';
import { applyDependencyCause } from './dependency-rule.ts';
import { activeMute, type Expectation, expectationAt } from './expectation.ts';
import {
  checkFailedText,
  crashedText,
  highCpuText,
  highMemoryText,
  notRunningText,
  restartedText,
} from './messages.ts';
import {
  type MonitorEngineState,
  type MonitorRuleInput,
  type RuleCounters,
  type RuleSample,
  SCHEDULED_TYPES,
  type Transition,
  type WarningAction,
} from './model.ts';
import { probeDecision } from './probe-rule.ts';
import { levelOf, stepResource } from './resource-rule.ts';
import { restartNote } from './restart-rule.ts';
import type { WarningSettings } from './settings.ts';

/** What every transition needs besides the monitor: the trading calendar and the engine defaults. */
export interface RuleContext {
  readonly calendar: CompiledCalendar;
  readonly settings: WarningSettings;
}

// An agent whose clock runs ahead would otherwise push lastCheckedAt into the future and make every
// correct sample after it look late; such a sample is stored but judged by nobody.
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** Collects actions against a working copy of the raised set. */
class ActionList {
  readonly actions: WarningAction[] = [];
  readonly raised: Set<OpsWarningType>;

  constructor(
    raised: readonly OpsWarningType[],
    private readonly at: Date,
  ) {
    this.raised = new Set(raised);
  }

  raise(
    type: OpsWarningType,
    text: { title: string; message: string },
    details: Record<string, unknown>,
    append?: boolean,
  ) {
    this.actions.push({ kind: 'raise', type, at: this.at, ...text, details, ...(append ? { append } : {}) });
    this.raised.add(type);
  }

  resolve(type: OpsWarningType, reason: string) {
    if (this.raised.delete(type)) this.actions.push({ kind: 'resolve', type, at: this.at, reason });
  }

  has(type: OpsWarningType): boolean {
    return this.raised.has(type);
  }

  sortedRaised(): OpsWarningType[] {
    return [...this.raised].sort();
  }
}

function sameIdentity(state: MonitorEngineState, sample: RuleSample): boolean {
  if (state.lastPid !== sample.pid) return false;
  // Without a start time on either side only the pid can tell; a recycled pid then goes unnoticed.
  if (state.lastStartTime === null || sample.startTime === null) return true;
  return state.lastStartTime.getTime() === sample.startTime.getTime();
}

function sampleDetails(sample: RuleSample): Record<string, unknown> {
  return {
    status: sample.status,
    pid: sample.pid,
    start_time: sample.startTime?.toISOString() ?? null,
    checked_at: sample.checkedAt.toISOString(),
  };
}

/** The thresholds in force for a monitor: its own columns, else the engine defaults. */
export function thresholdsOf(monitor: MonitorRuleInput, settings: WarningSettings) {
  return {
    cpuPercent: monitor.cpuThresholdPercent ?? settings.cpuThresholdPercent,
    memoryPercent: monitor.memoryThresholdPercent ?? settings.memoryThresholdPercent,
    memoryMb: monitor.memoryThresholdMb ?? settings.memoryThresholdMb,
  };
}

function scheduleInstant(state: MonitorEngineState, at: Date): Date {
  return state.watchingAt !== null && state.watchingAt > at ? state.watchingAt : at;
}

function applyResources(
  list: ActionList,
  counters: RuleCounters,
  sample: RuleSample,
  monitor: MonitorRuleInput,
  ctx: RuleContext,
  muted: boolean,
): RuleCounters {
  const { settings } = ctx;
  const limits = thresholdsOf(monitor, settings);
  const n = settings.consecutiveSamples;
  const margin = settings.hysteresisFraction;

  const cpuLevel = levelOf([{ value: sample.cpuPercent, limit: limits.cpuPercent }], margin);
  const cpu = stepResource(
    { high: counters.cpuHigh, low: counters.cpuLow },
    cpuLevel,
    list.has('PROCESS_HIGH_CPU'),
    n,
    muted,
  );
  if (cpu.decision === 'raise' || cpu.decision === 'bump') {
    list.raise(
      'PROCESS_HIGH_CPU',
      highCpuText(monitor, sample.cpuPercent ?? 0, limits.cpuPercent, cpu.counters.high),
      {
        ...sampleDetails(sample),
        cpu_percent: sample.cpuPercent,
        threshold_percent: limits.cpuPercent,
      },
    );
  } else if (cpu.decision === 'resolve') {
    list.resolve('PROCESS_HIGH_CPU', `CPU below ${limits.cpuPercent * (1 - margin)} % for ${n} samples`);
  }

  const memLevel = levelOf(
    [
      { value: sample.memoryPercent, limit: limits.memoryPercent },
      { value: sample.memoryUsedMb, limit: limits.memoryMb },
    ],
    margin,
  );
  const mem = stepResource(
    { high: counters.memHigh, low: counters.memLow },
    memLevel,
    list.has('PROCESS_HIGH_MEMORY'),
    n,
    muted,
  );
  const memLimits = [
    limits.memoryMb === null ? undefined : `${limits.memoryMb} MB`,
    `${limits.memoryPercent} %`,
  ]
    .filter((s) => s !== undefined)
    .join(' or ');
  if (mem.decision === 'raise' || mem.decision === 'bump') {
    list.raise('PROCESS_HIGH_MEMORY', highMemoryText(monitor, sample, memLimits, mem.counters.high), {
      ...sampleDetails(sample),
      memory_percent: sample.memoryPercent,
      memory_used_mb: sample.memoryUsedMb,
      threshold_percent: limits.memoryPercent,
      threshold_mb: limits.memoryMb,
    });
  } else if (mem.decision === 'resolve') {
    list.resolve(
      'PROCESS_HIGH_MEMORY',
      `memory below the thresholds minus ${margin * 100} % for ${n} samples`,
    );
  }

  return {
    ...counters,
    cpuHigh: cpu.counters.high,
    cpuLow: cpu.counters.low,
    memHigh: mem.counters.high,
    memLow: mem.counters.low,
  };
}

/**
 * The warning engine's rules for one new sample of a monitor: (previous state, sample, monitor, calendar and
 * settings, now) → (next state, actions). Pure: no clock, no I/O. A sample checked at or before the last one
 * evaluated (a late replay) changes nothing.
 */
export function evaluateSample(
  state: MonitorEngineState,
  sample: RuleSample,
  monitor: MonitorRuleInput,
  ctx: RuleContext,
  now: Date,
): Transition {
  const at = sample.checkedAt;
  if (state.lastCheckedAt !== null && at <= state.lastCheckedAt) return { state, actions: [] };
  if (at.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) return { state, actions: [] };

  const scheduleAt = scheduleInstant(state, at);
  const expectation: Expectation = expectationAt(monitor, scheduleAt, ctx.calendar);
  const muted = activeMute(monitor.mutes, at) !== undefined;
  const watching = expectation.watching;
  const list = new ActionList(state.raised, at);
  const recover = ctx.settings.recoverSamples;
  let counters: RuleCounters = state.counters;
  let next: Pick<MonitorEngineState, 'lastStatus' | 'lastPid' | 'lastStartTime'> = state;

  if (!expectation.watching) for (const type of SCHEDULED_TYPES) list.resolve(type, expectation.reason);

  if (watching) {
    for (const event of sample.restartEvents ?? []) {
      const note = restartNote(monitor, event, list.raised);
      if (note) list.raise(note.type, note, { ...sampleDetails(sample), ...note.details }, true);
    }
  }

  if (sample.status === 'ERROR') {
    counters = { ...counters, checkOkStreak: 0 };
    if (watching) {
      list.raise('PROCESS_CHECK_FAILED', checkFailedText(monitor, sample), {
        ...sampleDetails(sample),
        error_message: sample.errorMessage,
      });
    }
  } else {
    counters = { ...counters, checkOkStreak: counters.checkOkStreak + 1 };
    if (counters.checkOkStreak >= recover) list.resolve('PROCESS_CHECK_FAILED', 'checks succeed again');

    if (sample.status === 'RUNNING') {
      const restarted = state.lastStatus === 'RUNNING' && !sameIdentity(state, sample);
      counters = {
        ...counters,
        upStreak: state.lastStatus === 'RUNNING' && !restarted ? counters.upStreak + 1 : 1,
      };
      if (restarted && watching) {
        // One incident, one warning: a restart during an open outage counts towards that warning.
        const type =
          list.has('PROCESS_NOT_RUNNING') && !list.has('PROCESS_CRASHED')
            ? 'PROCESS_NOT_RUNNING'
            : 'PROCESS_CRASHED';
        list.raise(
          type,
          restartedText(monitor, { pid: state.lastPid, startTime: state.lastStartTime }, sample),
          {
            ...sampleDetails(sample),
            reason: 'restarted',
            previous_pid: state.lastPid,
            previous_start_time: state.lastStartTime?.toISOString() ?? null,
          },
        );
      } else if (counters.upStreak >= recover) {
        list.resolve('PROCESS_NOT_RUNNING', 'running again');
        list.resolve('PROCESS_CRASHED', 'running again');
      }
      counters = applyResources(list, counters, sample, monitor, ctx, muted);
      next = { lastStatus: 'RUNNING', lastPid: sample.pid, lastStartTime: sample.startTime };
    } else {
      counters = { ...counters, upStreak: 0, cpuHigh: 0, cpuLow: 0, memHigh: 0, memLow: 0 };
      if (watching) {
        const details = { ...sampleDetails(sample), previous_pid: state.lastPid };
        if (list.has('PROCESS_CRASHED')) {
          list.raise('PROCESS_CRASHED', crashedText(monitor, sample, state.lastPid), details);
        } else if (list.has('PROCESS_NOT_RUNNING')) {
          list.raise('PROCESS_NOT_RUNNING', notRunningText(monitor, sample, false), details);
        } else if (state.lastStatus === 'RUNNING') {
          list.raise('PROCESS_CRASHED', crashedText(monitor, sample, state.lastPid), {
            ...details,
            reason: 'vanished',
          });
        } else {
          list.raise('PROCESS_NOT_RUNNING', notRunningText(monitor, sample, false), details);
        }
      }
      list.resolve('PROCESS_HIGH_CPU', 'the process is no longer running');
      list.resolve('PROCESS_HIGH_MEMORY', 'the process is no longer running');
      next = { lastStatus: sample.status, lastPid: sample.pid, lastStartTime: sample.startTime };
    }
  }

  // The log's end goes on the incident the down sample opened or bumped.
  const incident = list.has('PROCESS_CRASHED')
    ? 'PROCESS_CRASHED'
    : list.has('PROCESS_NOT_RUNNING')
      ? 'PROCESS_NOT_RUNNING'
      : null;
  if (watching && sample.logTail && incident && sample.status !== 'RUNNING') {
    const t = sample.logTail;
    list.raise(
      incident,
      {
        title: `${monitor.name} on ${monitor.hostName}: log`,
        message:
          t.text === null
            ? `(log ${t.path} not read: ${t.error ?? 'unknown'})`
            : `Last lines of ${t.path}:\n${t.text}`,
      },
      { log_tail: t },
      true,
    );
  }

  const probe = probeDecision(monitor, sample, list.has('PROCESS_UNHEALTHY'));
  if (probe?.kind === 'raise' && watching && !muted) {
    list.raise('PROCESS_UNHEALTHY', probe, { ...sampleDetails(sample), probe: sample.probe });
  } else if (probe?.kind === 'resolve') {
    list.resolve('PROCESS_UNHEALTHY', probe.reason);
  }

  return {
    state: {
      lastCheckedAt: at,
      lastStatus: next.lastStatus,
      lastPid: next.lastPid,
      lastStartTime: next.lastStartTime,
      watching,
      watchingAt: scheduleAt,
      raised: list.sortedRaised(),
      counters,
    },
    actions: applyDependencyCause(list.actions, monitor),
  };
}

/**
 * The timer's half of the rules: re-judges "expected to run" at `now` without a new sample. When a window opens
 * (or a mute ends) with the process last seen down, NOT_RUNNING is raised at once; when it closes, the scheduled
 * warnings are resolved. Nothing happens while the expectation is unchanged.
 */
export function evaluateSchedule(
  state: MonitorEngineState,
  monitor: MonitorRuleInput,
  ctx: RuleContext,
  now: Date,
): Transition {
  if (state.watchingAt !== null && now <= state.watchingAt) return { state, actions: [] };
  const expectation = expectationAt(monitor, now, ctx.calendar);
  if (state.watching === expectation.watching) {
    return { state: { ...state, watchingAt: now }, actions: [] };
  }
  const list = new ActionList(state.raised, now);
  if (!expectation.watching) {
    for (const type of SCHEDULED_TYPES) list.resolve(type, expectation.reason);
  } else if (
    (state.lastStatus === 'NOT_FOUND' || state.lastStatus === 'STOPPED') &&
    state.lastCheckedAt !== null &&
    !list.has('PROCESS_NOT_RUNNING') &&
    !list.has('PROCESS_CRASHED')
  ) {
    const lastSeen: RuleSample = {
      status: state.lastStatus,
      checkedAt: state.lastCheckedAt,
      pid: state.lastPid,
      startTime: state.lastStartTime,
      cpuPercent: null,
      memoryPercent: null,
      memoryUsedMb: null,
      errorMessage: null,
    };
    list.raise('PROCESS_NOT_RUNNING', notRunningText(monitor, lastSeen, true), {
      ...sampleDetails(lastSeen),
      reason: 'window opened',
    });
  }
  return {
    state: { ...state, watching: expectation.watching, watchingAt: now, raised: list.sortedRaised() },
    actions: applyDependencyCause(list.actions, monitor),
  };
}
