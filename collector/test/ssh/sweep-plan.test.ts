import { DEFAULT_COMPILED_CALENDAR, type ProcessEntry } from '@procwatch/shared';
import { describe, expect, it } from 'vitest';
import type { HostSnapshot } from '../../src/ssh/remote-snapshot.ts';
import { type SshMonitor, samplesFromSnapshot } from '../../src/ssh/ssh-samples.ts';
import {
  isAgentSilent,
  planSweeps,
  type SweepHost,
  type SweepMonitor,
} from '../../src/ssh/sweep-selection.ts';

const now = new Date('2026-03-02T02:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

function host(id: number, fields: Partial<SweepHost> = {}): SweepHost {
  return {
    id,
    name: `h${id}`,
    address: '10.0.0.1',
    ssh_port: 22,
    ssh_user: null,
    ssh_host_key: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ssh_host_key_policy: 'PINNED',
    active: true,
    heartbeat_timeout_seconds: 45,
    last_heartbeat_at: ago(60_000),
    ...fields,
  };
}

let ids = 0;
function monitor(hostServerId: number, fields: Partial<SweepMonitor> = {}): SweepMonitor {
  return {
    id: ++ids,
    hostServerId,
    process_name: 'quote',
    command_pattern: null,
    pid_file: null,
    check_interval: 10,
    monitor_start_time: null,
    monitor_end_time: null,
    active: true,
    lastCheckedAt: null,
    lastPid: null,
    lastStartTime: null,
    ...fields,
  };
}

describe('planSweeps', () => {
  it('takes silent, active hosts with SSH settings; a host never heard from counts as silent', () => {
    const hosts = [
      host(1),
      host(2, { last_heartbeat_at: ago(10_000) }),
      host(3, { last_heartbeat_at: null }),
      host(4, { active: false }),
      host(5, { ssh_host_key: null }),
      host(6, { ssh_host_key: null, ssh_host_key_policy: 'TOFU' }),
      host(7),
    ];
    const monitors = [1, 2, 3, 4, 5, 6].map((h) => monitor(h));
    const plans = planSweeps(hosts, monitors, now, { minIntervalMs: 5000 });
    // Host 7 has no monitors: nothing to do there.
    expect(plans.map((p) => p.host.id)).toEqual([1, 3, 6]);
    expect(isAgentSilent({ heartbeat_timeout_seconds: 45, last_heartbeat_at: ago(45_000) }, now)).toBe(false);
    expect(isAgentSilent({ heartbeat_timeout_seconds: 45, last_heartbeat_at: ago(45_001) }, now)).toBe(true);
  });

  it('checks only the due, active monitors inside their window, at the shortest interval (floored)', () => {
    const due = monitor(1, { check_interval: 10, lastCheckedAt: ago(9_500) });
    const notDue = monitor(1, { check_interval: 60, lastCheckedAt: ago(30_000) });
    const never = monitor(1, { check_interval: 60 });
    const inactive = monitor(1, { active: false });
    const later = monitor(1, { monitor_start_time: new Date(now.getTime() + 60_000) });
    const ended = monitor(1, { monitor_end_time: ago(1) });
    const [plan] = planSweeps([host(1)], [due, notDue, never, inactive, later, ended], now, {
      minIntervalMs: 5000,
    });
    expect(plan!.monitors.map((m) => m.id)).toEqual([due.id, never.id]);
    expect(plan!.periodMs).toBe(10_000);
    const [fast] = planSweeps([host(1)], [monitor(1, { check_interval: 1 })], now, { minIntervalMs: 5000 });
    expect(fast!.periodMs).toBe(5000);
  });
});

describe('samplesFromSnapshot', () => {
  const boot = new Date('2026-03-01T00:00:00Z');
  const entry = (pid: number, startTime: Date): ProcessEntry => ({
    pid,
    ppid: 1,
    uid: 0,
    name: 'quote',
    exe: '/opt/quote',
    cmdline: '/opt/quote --live',
    startTime,
    state: 'S',
    cpuTimeMs: 1000,
    rssBytes: 256 * 1024 * 1024,
  });
  const snapshotOf = (entries: ProcessEntry[]): HostSnapshot => ({
    processes: {
      entries,
      excludePids: new Set(),
      cpuPercent: new Map([[100, 12.5]]),
      cpuReading: { uptimeS: 93_600, clockTicks: 100, bootTimeMs: boot.getTime(), processes: new Map() },
      memTotalBytes: 1024 * 1024 * 1024,
      hostUptimeS: 93_600,
      bootTime: boot,
      startTimePrecisionMs: 1010,
      malformedLines: 0,
      malformedSamples: [],
    },
    pidFiles: new Map(),
  });
  const m: SshMonitor = monitor(1, { process_name: 'quote' });
  const context = { checkedAt: now, durationMs: 12, calendar: DEFAULT_COMPILED_CALENDAR };
  const started = new Date('2026-03-01T08:00:00.250Z');

  it('fills every field the snapshot allows', () => {
    const [s] = samplesFromSnapshot([m], snapshotOf([entry(100, started)]), context);
    expect(s).toMatchObject({
      status: 'RUNNING',
      pid: 100,
      cpu_percent: 12.5,
      memory_used_mb: 256,
      memory_percent: 25,
      // Up since 08:00:00.25 with the host up 26 h: 17 h 59 min 59.75 s, whole seconds.
      uptime_seconds: 93_600 - 8 * 3600 - 1,
      start_time: started.toISOString(),
      source: 'SSH',
      seq: null,
      trade_day: '20260302',
      process_count: 1,
    });
  });

  it("keeps the known start time of the same pid within the boot time's precision", () => {
    const agentSaw = new Date(started.getTime() - 1000);
    const known = new Map([[m.id, { pid: 100, startTime: agentSaw }]]);
    const [same] = samplesFromSnapshot([m], snapshotOf([entry(100, started)]), context, known);
    expect(same!.start_time).toBe(agentSaw.toISOString());
    // Further apart, or another pid: a different process.
    const far = new Map([[m.id, { pid: 100, startTime: new Date(started.getTime() - 5000) }]]);
    expect(samplesFromSnapshot([m], snapshotOf([entry(100, started)]), context, far)[0]!.start_time).toBe(
      started.toISOString(),
    );
    const other = new Map([[m.id, { pid: 101, startTime: agentSaw }]]);
    expect(samplesFromSnapshot([m], snapshotOf([entry(100, started)]), context, other)[0]!.start_time).toBe(
      started.toISOString(),
    );
  });
});
