import { type CompiledCalendar, isWithinSessionWindows } from '@procwatch/shared';
import type { MonitorRuleInput, MuteWindow } from './model.ts';

/** Whether a monitor's process must be running at an instant, and if not, why not. */
export type Expectation =
  | { readonly watching: true }
  | {
      readonly watching: false;
      readonly why: 'inactive' | 'not started' | 'ended' | 'outside session windows' | 'muted';
      /** Human text for resolve reasons and logs. */
      readonly reason: string;
    };

/** The mute covering `at`, if any (the one lasting longest, for the message). */
export function activeMute(mutes: readonly MuteWindow[], at: Date): MuteWindow | undefined {
  const t = at.getTime();
  let found: MuteWindow | undefined;
  for (const mute of mutes) {
    if (mute.startsAt.getTime() <= t && t < mute.until.getTime()) {
      if (found === undefined || mute.until > found.until) found = mute;
    }
  }
  return found;
}

/**
 * Expected to run: active, inside monitor_start_time..monitor_end_time when set, inside a session window on a
 * trading day when any are set, and not muted. Anything else means NOT_RUNNING/CRASHED must not be raised.
 */
export function expectationAt(monitor: MonitorRuleInput, at: Date, calendar: CompiledCalendar): Expectation {
  if (!monitor.active) return { watching: false, why: 'inactive', reason: 'the monitor is inactive' };
  if (monitor.monitorStartTime !== null && at < monitor.monitorStartTime) {
    return {
      watching: false,
      why: 'not started',
      reason: `monitoring starts at ${monitor.monitorStartTime.toISOString()}`,
    };
  }
  if (monitor.monitorEndTime !== null && at >= monitor.monitorEndTime) {
    return {
      watching: false,
      why: 'ended',
      reason: `monitoring ended at ${monitor.monitorEndTime.toISOString()}`,
    };
  }
  if (!isWithinSessionWindows(at, monitor.sessionWindows, calendar)) {
    return {
      watching: false,
      why: 'outside session windows',
      reason: `outside its session windows (${monitor.sessionWindows.join(', ')})`,
    };
  }
  const mute = activeMute(monitor.mutes, at);
  if (mute !== undefined) {
    return { watching: false, why: 'muted', reason: `muted until ${mute.until.toISOString()}` };
  }
  return { watching: true };
}
