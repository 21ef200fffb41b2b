import { randomUUID } from 'node:crypto';
import type { AgentConfig } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../support/test-database.ts';
import { waitFor } from '../warnings/fixtures.ts';
import { type LiveStack, startLiveStack } from '../warnings/live-stack.ts';

describe('log tail on a crash warning', () => {
  let stack: LiveStack;
  beforeAll(async () => {
    stack = await startLiveStack({ database: await openTestDatabase('pglite') });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the CRASHED warning carries the tail sent with the down sample; log_file is served to the agent', async () => {
    const host = await stack.createHost();
    const m = await stack.createMonitor(host.id, {
      command_pattern: 'md-gw',
      log_file: '/var/log/md/md.log',
    });
    expect(m.log_file).toBe('/var/log/md/md.log');
    const bad = await stack.admin('POST', '/api/v1/monitors', {
      name: 'x',
      process_type: 'CUSTOM',
      hostServerId: host.id,
      command_pattern: 'x',
      log_file: 'relative.log',
    });
    expect(bad.status).toBe(400);
    const config = (await (
      await fetch(`${stack.collector.url}/agent/v1/config`, {
        headers: { authorization: `Bearer ${host.agent_token}` },
      })
    ).json()) as AgentConfig;
    expect(config.monitors.find((x) => x.id === m.id)?.log_file).toBe('/var/log/md/md.log');

    let seq = 0;
    const post = async (status: 'RUNNING' | 'NOT_FOUND', extra: Record<string, unknown> = {}) => {
      seq += 1;
      const running = status === 'RUNNING';
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
              status,
              pid: running ? 4242 : null,
              cpu_percent: running ? 1 : null,
              memory_percent: running ? 1 : null,
              memory_used_mb: running ? 10 : null,
              uptime_seconds: running ? 5 : null,
              start_time: running ? new Date(Date.now() - 60_000).toISOString() : null,
              trade_day: '20261130',
              checked_at: new Date(Date.now() - 1000 + seq).toISOString(),
              check_duration_ms: 1,
              error_message: null,
              process_count: running ? 1 : 0,
              ...extra,
            },
          ],
        }),
      });
      expect(res.status).toBe(200);
    };
    await post('RUNNING');
    await post('NOT_FOUND', {
      log_tail: {
        path: '/var/log/md/md.log',
        text: 'connecting\nFATAL: segfault in feed handler',
        truncated: false,
        error: null,
      },
    });
    const crashed = await waitFor(
      async () => {
        const res = await stack.admin('GET', `/api/v1/warnings?processMonitorId=${m.id}`);
        const items = ((await res.json()) as { items: { type: string; message: string }[] }).items;
        return items.find((w) => w.type === 'PROCESS_CRASHED');
      },
      20_000,
      'the CRASHED warning',
    );
    expect(crashed.message).toContain('Last lines of /var/log/md/md.log');
    expect(crashed.message).toContain('FATAL: segfault in feed handler');
  });
});
