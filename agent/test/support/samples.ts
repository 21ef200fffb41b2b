import { randomUUID } from 'node:crypto';
import type { UnsequencedSample } from '../../src/checks/sample-builder.ts';

/** A valid unsequenced sample for spool tests. */
export function sample(monitorId = 1, extra: Partial<UnsequencedSample> = {}): UnsequencedSample {
  return {
    sample_id: randomUUID(),
    processMonitorId: monitorId,
    status: 'RUNNING',
    pid: 1234,
    cpu_percent: 1.5,
    memory_percent: 0.2,
    memory_used_mb: 30,
    uptime_seconds: 100,
    start_time: '2026-03-02T01:00:00.000Z',
    trade_day: '20260302',
    checked_at: new Date().toISOString(),
    check_duration_ms: 3,
    error_message: null,
    process_count: 1,
    matches: [],
    ...extra,
  };
}
