import { randomUUID } from 'node:crypto';
import type { AgentConfig } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorRuleInput, RuleSample } from '../../src/warnings/model.ts';
import { probeDecision } from '../../src/warnings/probe-rule.ts';
import { openTestDatabase } from '../support/test-database.ts';
import { waitFor } from '../warnings/fixtures.ts';
import { type LiveStack, startLiveStack } from '../warnings/live-stack.ts';

const monitor = { name: 'md-gw', hostName: 'sh-01' } as MonitorRuleInput;
const sample = (status: RuleSample['status'], probe?: RuleSample['probe']): RuleSample => ({
  status,
  checkedAt: new Date(),
  pid: 1,
  startTime: null,
  cpuPercent: null,
  memoryPercent: null,
  memoryUsedMb: null,
  errorMessage: null,
  ...(probe ? { probe } : {}),
});
const p = (ok: boolean, n: number) => ({ ok, consecutiveFailures: n, threshold: 3, message: 'refused' });

describe('probe rule (pure, table-driven)', () => {
  const table: [string, RuleSample, boolean, string | null][] = [
    ['ok, nothing open', sample('RUNNING', p(true, 0)), false, null],
    ['2 of 3 failures', sample('RUNNING', p(false, 2)), false, null],
    ['3 of 3 failures', sample('RUNNING', p(false, 3)), false, 'raise'],
    ['still failing', sample('RUNNING', p(false, 7)), true, 'raise'],
    ['passes again', sample('RUNNING', p(true, 0)), true, 'resolve'],
    ['no probe result', sample('RUNNING'), true, null],
    ['process gone', sample('NOT_FOUND'), true, 'resolve'],
    ['check failed', sample('ERROR'), true, null],
  ];
  it.each(table)('%s', (_name, s, open, kind) => {
    expect(probeDecision(monitor, s, open)?.kind ?? null).toBe(kind);
  });
});

describe('PROCESS_UNHEALTHY through the API', () => {
  let stack: LiveStack;
  beforeAll(async () => {
    stack = await startLiveStack({ database: await openTestDatabase('pglite') });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a probe spec is saved and served to the agent; N failures in a row open UNHEALTHY, a pass resolves it', async () => {
    const host = await stack.createHost();
    const m = await stack.createMonitor(host.id, {
      command_pattern: 'md-gw',
      probe: { kind: 'http', url: 'http://127.0.0.1:9/health', failures: 3 },
    });
    expect(m.probe).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:9/health',
      expected_status: 200,
      timeout_ms: 2000,
      failures: 3,
    });
    const bad = await stack.admin('POST', '/api/v1/monitors', {
      name: 'x',
      process_type: 'CUSTOM',
      hostServerId: host.id,
      command_pattern: 'x',
      probe: { kind: 'http', url: 'file:///etc/shadow' },
    });
    expect(bad.status).toBe(400);
    const config = (await (
      await fetch(`${stack.collector.url}/agent/v1/config`, {
        headers: { authorization: `Bearer ${host.agent_token}` },
      })
    ).json()) as AgentConfig;
    expect(config.monitors.find((x) => x.id === m.id)?.probe).toMatchObject({ kind: 'http', failures: 3 });

    let seq = 0;
    const post = async (ok: boolean, failures: number) => {
      seq += 1;
      const res = await fetch(`${stack.collector.url}/agent/v1/samples`, {
        method: 'POST',
        headers: { authorization: `Bearer ${host.agent_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          protocol: 1,
          samples: [
            {
              sample_id: randomUUID(),
              seq,
              processMonitorId: m.id,
              status: 'RUNNING',
              pid: 4242,
              cpu_percent: 1,
              memory_percent: 1,
              memory_used_mb: 10,
              uptime_seconds: seq,
              start_time: new Date(Date.now() - 3_600_000).toISOString(),
              trade_day: '20261130',
              checked_at: new Date(Date.now() - 1000 + seq).toISOString(),
              check_duration_ms: 1,
              error_message: null,
              process_count: 1,
              probe: {
                ok,
                consecutive_failures: failures,
                threshold: 3,
                latency_ms: ok ? 3 : null,
                message: ok ? null : 'http GET: status 503, expected 200',
              },
            },
          ],
        }),
      });
      expect(res.status).toBe(200);
    };
    const unhealthy = async () => {
      const res = await stack.admin('GET', `/api/v1/warnings?processMonitorId=${m.id}`);
      const items = ((await res.json()) as { items: { type: string; status: string; message: string }[] })
        .items;
      return items.filter((w) => w.type === 'PROCESS_UNHEALTHY');
    };
    await post(true, 0);
    await post(false, 1);
    await post(false, 2);
    expect(await unhealthy()).toEqual([]);
    await post(false, 3);
    const open = await waitFor(
      async () => (await unhealthy()).find((w) => w.status === 'OPEN'),
      20_000,
      'UNHEALTHY',
    );
    expect(open.message).toContain('failed 3 times in a row');
    await post(true, 0);
    await waitFor(
      async () => (await unhealthy()).every((w) => w.status === 'RESOLVED') || undefined,
      20_000,
      'UNHEALTHY resolved',
    );
  });
});
