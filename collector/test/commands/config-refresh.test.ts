import type { StatusList } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../support/test-database.ts';
import { waitFor } from '../warnings/fixtures.ts';
import { type LiveStack, startLiveStack } from '../warnings/live-stack.ts';

// A monitor saved through the admin API reaches a running agent at once: the agent here fetches its config
// once a day, so whatever it learns after its start it learned from the refresh_config command.

describe('config changes reach a running agent through the command channel', () => {
  let stack: LiveStack;
  beforeAll(async () => {
    stack = await startLiveStack({
      database: await openTestDatabase('pglite'),
      env: {
        PROCWATCH_AGENT_CONFIG_REFRESH_SECONDS: '86400',
        PROCWATCH_AGENT_HEARTBEAT_INTERVAL_SECONDS: '1',
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const statusOf = async (hostId: number) => {
    const res = await stack.admin('GET', `/api/v1/status?hostServerId=${hostId}`);
    return ((await res.json()) as StatusList).items;
  };

  it('checks a monitor added or changed after the agent started', async () => {
    const host = await stack.createHost();
    const first = stack.spawnTarget();
    const second = stack.spawnTarget();
    const m1 = await stack.createMonitor(host.id, { command_pattern: first.tag, check_interval: 1 });
    stack.startAgent(host.agent_token);
    await waitFor(
      async () => (await statusOf(host.id))[0]?.status === 'RUNNING',
      60_000,
      'the first monitor',
    );
    // Heard from: the agent counts as online, so it is told about changes.
    await waitFor(
      async () =>
        ((await (await stack.admin('GET', `/api/v1/hosts/${host.id}`)).json()) as { agent_online: boolean })
          .agent_online,
      30_000,
      'the agent online',
    );

    const m2 = await stack.createMonitor(host.id, { command_pattern: second.tag, check_interval: 1 });
    await waitFor(
      async () => (await statusOf(host.id)).find((s) => s.processMonitorId === m2.id)?.status === 'RUNNING',
      30_000,
      'the added monitor checked',
    );

    // A pattern that matches nothing any more: the next samples say NOT_FOUND.
    expect(
      (await stack.admin('PATCH', `/api/v1/monitors/${m1.id}`, { command_pattern: 'pw-no-such-process' }))
        .status,
    ).toBe(200);
    await waitFor(
      async () => (await statusOf(host.id)).find((s) => s.processMonitorId === m1.id)?.status === 'NOT_FOUND',
      30_000,
      'the changed monitor checked',
    );
  });
});
