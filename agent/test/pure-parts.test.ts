import type { MonitorMatchResult, ProcessEntry } from '@procwatch/shared';
import { SampleSchema } from '@procwatch/shared';
import { describe, expect, it } from 'vitest';
import { CpuMeter } from '../src/checks/cpu-meter.ts';
import { isWithinMonitorWindow } from '../src/checks/monitor-window.ts';
import { buildSample } from '../src/checks/sample-builder.ts';
import { nextGridTime } from '../src/checks/schedule.ts';
import { monitor } from './support/monitor.ts';

const identity = { pid: 10, startTime: new Date('2026-03-02T01:00:00Z') };

describe('CpuMeter', () => {
  it('measures CPU time over wall time between readings, 100 % = one core, per identity', () => {
    const meter = new CpuMeter();
    expect(meter.observe(identity, 1000, 0)).toBeNull();
    expect(meter.observe(identity, 1500, 1000)).toBe(50);
    expect(meter.observe(identity, 3500, 2000)).toBe(200);
    // Too close to the last reading: the last rate, baseline kept.
    expect(meter.observe(identity, 3600, 2050)).toBe(200);
    // A recycled pid with a new start time is a new process.
    expect(meter.observe({ ...identity, startTime: new Date('2026-03-02T02:00:00Z') }, 10, 3000)).toBeNull();
    meter.prune(2500);
    expect(meter.has(identity)).toBe(false);
  });
});

describe('schedule', () => {
  it('puts monitors with the same interval on one grid', () => {
    expect(nextGridTime(1000, 60_000, 7000)).toBe(7000);
    expect(nextGridTime(7000, 60_000, 7000)).toBe(67_000);
    expect(nextGridTime(66_999, 60_000, 7000)).toBe(67_000);
  });

  it('honours monitor_start_time and monitor_end_time', () => {
    const m = { monitor_start_time: '2026-03-02T01:00:00Z', monitor_end_time: '2026-03-02T15:00:00+08:00' };
    expect(isWithinMonitorWindow(m, new Date('2026-03-02T00:59:59Z'))).toBe(false);
    expect(isWithinMonitorWindow(m, new Date('2026-03-02T01:00:00Z'))).toBe(true);
    expect(isWithinMonitorWindow(m, new Date('2026-03-02T07:00:01Z'))).toBe(false);
    expect(isWithinMonitorWindow({ monitor_start_time: null, monitor_end_time: null }, new Date())).toBe(
      true,
    );
  });
});

describe('buildSample', () => {
  const entry: ProcessEntry = {
    pid: 10,
    ppid: 1,
    name: 'trader',
    cmdline: `trader ${'x'.repeat(5000)}`,
    startTime: identity.startTime,
    state: 'S',
    rssBytes: 512 * 1024 * 1024,
  };
  const result: MonitorMatchResult = {
    status: 'RUNNING',
    primary: entry,
    matches: [entry],
    processCount: 1,
    message: null,
  };

  it('fills the seed fields from the primary and usage, and is a valid wire sample', () => {
    const sample = buildSample(
      {
        monitor: monitor({ id: 3 }),
        result,
        usage: new Map([[10, { cpuPercent: 12.3456, rssBytes: 256 * 1024 * 1024 }]]),
        checkedAt: new Date('2026-03-02T01:01:40.500Z'),
        durationMs: 3.7,
      },
      { sampleId: '8f3c2a4e-7b1d-4c2e-9a55-0d6f1e2b3c4d', tradeDay: '20260302', totalMemoryBytes: 1024 ** 3 },
    );
    expect(sample).toMatchObject({
      processMonitorId: 3,
      status: 'RUNNING',
      pid: 10,
      cpu_percent: 12.35,
      memory_used_mb: 256,
      memory_percent: 25,
      uptime_seconds: 100,
      start_time: '2026-03-02T01:00:00.000Z',
      check_duration_ms: 4,
      process_count: 1,
    });
    expect(sample.matches?.[0]?.command.length).toBeLessThanOrEqual(4096);
    expect(SampleSchema.safeParse({ ...sample, seq: 1 }).success).toBe(true);
  });
});
