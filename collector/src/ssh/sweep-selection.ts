import type { HostServer } from '../db/schema.ts';
import type { SshMonitor } from './ssh-samples.ts';
import { hasSshSettings, type SshHost } from './ssh-target.ts';

// Pure decisions of the SSH sweep: which hosts are silent, which of their monitors are due, and
// how often to come back. The sweep job loads rows, calls these with `now`, and does the I/O.

/** The HostServer fields the sweep decides on. */
export type SweepHost = SshHost &
  Pick<HostServer, 'active' | 'heartbeat_timeout_seconds' | 'last_heartbeat_at'>;

/** A monitor with its latest sample's time and identity (any source); nulls when it has none. */
export type SweepMonitor = SshMonitor & {
  readonly active: boolean;
  readonly lastCheckedAt: Date | null;
  readonly lastPid: number | null;
  readonly lastStartTime: Date | null;
};

/** One host to sweep now: the monitors that are due and the period until the next sweep. */
export interface SweepPlan {
  readonly host: SweepHost;
  readonly monitors: SweepMonitor[];
  /** The host's shortest check interval (never below the configured floor), ms. */
  readonly periodMs: number;
}

/**
 * True when the host's agent has not been heard from within its heartbeat timeout — or never:
 * a host without an agent is watched over SSH alone, as the design note's original sweep did.
 */
export function isAgentSilent(
  host: Pick<HostServer, 'heartbeat_timeout_seconds' | 'last_heartbeat_at'>,
  now: Date,
): boolean {
  if (!host.last_heartbeat_at) return true;
  return now.getTime() - host.last_heartbeat_at.getTime() > host.heartbeat_timeout_seconds * 1000;
}

/** True while `now` lies inside the monitor's optional monitor_start_time..monitor_end_time. */
export function isWithinMonitorWindow(
  monitor: Pick<SshMonitor, 'monitor_start_time' | 'monitor_end_time'>,
  now: Date,
): boolean {
  if (monitor.monitor_start_time && now < monitor.monitor_start_time) return false;
  if (monitor.monitor_end_time && now > monitor.monitor_end_time) return false;
  return true;
}

/**
 * True when a monitor's latest sample is at least one check interval old. The slack (a quarter
 * interval, at most 1 s) absorbs the sweep's own timing, so a monitor whose interval equals the
 * host's period is checked on every sweep rather than every other one.
 */
export function isMonitorDue(monitor: SweepMonitor, now: Date, minIntervalMs: number): boolean {
  if (!monitor.lastCheckedAt) return true;
  const intervalMs = Math.max(monitor.check_interval * 1000, minIntervalMs);
  const slackMs = Math.min(intervalMs / 4, 1000);
  return now.getTime() - monitor.lastCheckedAt.getTime() >= intervalMs - slackMs;
}

/** Plans the sweeps due at `now`: silent, active hosts with SSH settings and at least one due monitor. */
export function planSweeps(
  hosts: readonly SweepHost[],
  monitors: readonly SweepMonitor[],
  now: Date,
  options: { minIntervalMs: number },
): SweepPlan[] {
  const byHost = new Map<number, SweepMonitor[]>();
  for (const m of monitors) {
    if (!m.active || !isWithinMonitorWindow(m, now)) continue;
    const list = byHost.get(m.hostServerId);
    if (list) list.push(m);
    else byHost.set(m.hostServerId, [m]);
  }
  const plans: SweepPlan[] = [];
  for (const host of hosts) {
    if (!host.active || !hasSshSettings(host) || !isAgentSilent(host, now)) continue;
    const active = byHost.get(host.id) ?? [];
    const due = active.filter((m) => isMonitorDue(m, now, options.minIntervalMs));
    if (due.length === 0) continue;
    const shortestS = Math.min(...active.map((m) => m.check_interval));
    plans.push({
      host,
      monitors: due.sort((a, b) => a.id - b.id),
      periodMs: Math.max(shortestS * 1000, options.minIntervalMs),
    });
  }
  return plans.sort((a, b) => a.host.id - b.host.id);
}
