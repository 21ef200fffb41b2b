import type { AgentMonitorSpec } from '@procwatch/shared';

/** True if `now` lies inside the monitor's `monitor_start_time`..`monitor_end_time` (either may be open). */
export function isWithinMonitorWindow(
  monitor: Pick<AgentMonitorSpec, 'monitor_start_time' | 'monitor_end_time'>,
  now: Date,
): boolean {
  const t = now.getTime();
  if (monitor.monitor_start_time && t < Date.parse(monitor.monitor_start_time)) return false;
  if (monitor.monitor_end_time && t > Date.parse(monitor.monitor_end_time)) return false;
  return true;
}
