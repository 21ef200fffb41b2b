import type { OpsWarningType, ProcessStatusType } from '@procwatch/shared';

/** Consecutive-sample counters the rules keep between samples. */
export interface RuleCounters {
  /** Samples in a row with CPU above the threshold / below threshold minus margin. */
  readonly cpuHigh: number;
  readonly cpuLow: number;
  readonly memHigh: number;
  readonly memLow: number;
  /** RUNNING samples in a row with one identity (pid, start time). */
  readonly upStreak: number;
  /** Samples in a row whose check succeeded (anything but ERROR). */
  readonly checkOkStreak: number;
}

/** What the engine remembers about one monitor between samples (one ProcessWarningState row). */
export interface MonitorEngineState {
  /** checked_at of the newest sample evaluated; samples at or before it are late and change nothing. */
  readonly lastCheckedAt: Date | null;
  /** Last known process status; ERROR samples leave it alone (the check failed, the process may be fine). */
  readonly lastStatus: Exclude<ProcessStatusType, 'ERROR'> | null;
  readonly lastPid: number | null;
  readonly lastStartTime: Date | null;
  /** Whether the monitor was expected to run (schedule and no mute) at the last evaluation; null = never. */
  readonly watching: boolean | null;
  /**
   * The instant `watching` was evaluated for. Schedule time only moves forward: a sample checked before it is
   * judged by this newer view, so a late sample cannot undo what the window-opening job has just raised.
   */
  readonly watchingAt: Date | null;
  /** Types this engine has raised and not yet resolved, sorted. */
  readonly raised: readonly OpsWarningType[];
  readonly counters: RuleCounters;
}

/** The state of a monitor never seen before. */
export const INITIAL_ENGINE_STATE: MonitorEngineState = Object.freeze({
  lastCheckedAt: null,
  lastStatus: null,
  lastPid: null,
  lastStartTime: null,
  watching: null,
  watchingAt: null,
  raised: Object.freeze([]) as readonly OpsWarningType[],
  counters: Object.freeze({ cpuHigh: 0, cpuLow: 0, memHigh: 0, memLow: 0, upStreak: 0, checkOkStreak: 0 }),
});

/** A maintenance mute: no warnings are raised for its monitor or host in [startsAt, until). */
export interface MuteWindow {
  readonly startsAt: Date;
  readonly until: Date;
}

/** A dependency of a monitor that is down, and so explains the monitor's trouble (loaded with the monitor). */
export interface RuleDependencyCause {
  /** The root of the chain of down dependencies: the one to fix. */
  readonly id: number;
  readonly name: string;
  readonly hostName: string;
  /** The monitor's own dependency through which the trouble reaches it (= id when it is the root). */
  readonly directId: number;
  readonly directName: string;
}

/** What the rules need to know about a monitor. */
export interface MonitorRuleInput {
  readonly id: number;
  readonly name: string;
  readonly hostServerId: number;
  readonly hostName: string;
  readonly active: boolean;
  readonly monitorStartTime: Date | null;
  readonly monitorEndTime: Date | null;
  readonly sessionWindows: readonly string[];
  readonly cpuThresholdPercent: number | null;
  readonly memoryThresholdPercent: number | null;
  readonly memoryThresholdMb: number | null;
  /** Mutes of this monitor and of its host. */
  readonly mutes: readonly MuteWindow[];
  /** A dependency that is down now; its warnings then hold this monitor's (null or absent: none is). */
  readonly dependencyCause?: RuleDependencyCause | null;
}

/** One check result, as the rules see it. */
export interface RuleSample {
  readonly status: ProcessStatusType;
  readonly checkedAt: Date;
  readonly pid: number | null;
  readonly startTime: Date | null;
  readonly cpuPercent: number | null;
  readonly memoryPercent: number | null;
  readonly memoryUsedMb: number | null;
  readonly errorMessage: string | null;
  /** Restart events the agent sent with this sample (auto-restart). */
  readonly restartEvents?: readonly RuleRestartEvent[];
  /** The end of the monitor's log, sent with the first sample that found the process down. */
  readonly logTail?: { readonly path: string; readonly text: string | null; readonly error: string | null };
  /** The health probe's result that came with this sample, if the monitor has a probe. */
  readonly probe?: {
    readonly ok: boolean;
    readonly consecutiveFailures: number;
    readonly threshold: number;
    readonly message: string | null;
  };
}

/** A restart event as the rules see it. */
export interface RuleRestartEvent {
  readonly kind: string;
  readonly action: string | null;
  readonly attempt: number | null;
  readonly message: string | null;
}

/** Open a warning of this type, or bump the unresolved one (count + 1, last_seen_at). */
export interface RaiseAction {
  readonly kind: 'raise';
  readonly type: OpsWarningType;
  readonly at: Date;
  readonly title: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
  /**
   * On a bump, append `message` to the open warning's message and merge `details` into its details
   * (what the agent's restarts add to an incident); a new warning takes them as they are.
   */
  readonly append?: boolean;
  /**
   * A dependency that is down explains this warning: it is stored marked as caused by it, and its
   * notifications are held. A later raise without it (the dependency is back, the trouble is not)
   * releases the warning: it is notified then.
   */
  readonly suppressedBy?: { readonly id: number; readonly name: string };
}

/** Resolve the unresolved warning of this type, if there is one. */
export interface ResolveAction {
  readonly kind: 'resolve';
  readonly type: OpsWarningType;
  readonly at: Date;
  readonly reason: string;
}

/** What a transition asks the persistence layer to do. */
export type WarningAction = RaiseAction | ResolveAction;

/** Result of a pure transition. */
export interface Transition {
  readonly state: MonitorEngineState;
  readonly actions: readonly WarningAction[];
}

/**
 * Warning types a down dependency holds back: everything about the process. A failed check is about the
 * check (agent, SSH, permissions), which no dependency explains.
 */
export const DEPENDENCY_SUPPRESSIBLE_TYPES: ReadonlySet<OpsWarningType> = new Set<OpsWarningType>([
  'PROCESS_NOT_RUNNING',
  'PROCESS_CRASHED',
  'PROCESS_HIGH_CPU',
  'PROCESS_HIGH_MEMORY',
  'PROCESS_UNHEALTHY',
]);

/** Warning types bound to "expected to run": dropped when a window closes or a mute starts. */
export const SCHEDULED_TYPES: readonly OpsWarningType[] = Object.freeze([
  'PROCESS_NOT_RUNNING',
  'PROCESS_CRASHED',
  'PROCESS_CHECK_FAILED',
]);
