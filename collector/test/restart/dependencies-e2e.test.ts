import { type ChildProcess, spawn } from 'node:child_process';
import type { Warning, WarningPage } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../support/test-database.ts';
import { waitFor } from '../warnings/fixtures.ts';
import { type LiveStack, startLiveStack } from '../warnings/live-stack.ts';

// Dependencies end to end: a real agent watching two real processes, a market-data feed and a trader that
// depends on it, the real collector judging warnings and sending webhooks to a local receiver.

describe('a dependency down, end to end with a real agent', () => {
  let stack: LiveStack;
  const extra: ChildProcess[] = [];

  beforeAll(async () => {
    stack = await startLiveStack({ database: await openTestDatabase('pglite') });
  });
  afterAll(async () => {
    for (const child of extra) child.kill('SIGKILL');
    await stack?.close();
  });

  const warningOf = async (monitorId: number): Promise<Warning | undefined> => {
    const res = await stack.admin('GET', `/api/v1/warnings?processMonitorId=${monitorId}`);
    return ((await res.json()) as WarningPage).items[0];
  };
  const hitsOf = (monitorId: number) =>
    stack.hits.filter((h) => h.warning.monitor?.id === monitorId).map((h) => h.event);

  it('pages once for the feed, holds the trader that died with it, and pages for the trader only if it stays down', async () => {
    const host = await stack.createHost();
    const feedProcess = stack.spawnTarget();
    const traderProcess = stack.spawnTarget();
    const feed = await stack.createMonitor(host.id, {
      name: 'md-feed',
      command_pattern: feedProcess.tag,
      check_interval: 1,
    });
    const trader = await stack.createMonitor(host.id, {
      name: 'trader-001',
      command_pattern: traderProcess.tag,
      check_interval: 1,
      depends_on: [feed.id],
    });
    stack.startAgent(host.agent_token);
    await waitFor(
      async () => {
        const res = await stack.admin('GET', `/api/v1/status?hostServerId=${host.id}`);
        const items = ((await res.json()) as { items: { status: string | null }[] }).items;
        return items.length === 2 && items.every((i) => i.status === 'RUNNING');
      },
      60_000,
      'both running',
    );

    // The feed dies; the trader, cut off from its data, dies after it.
    feedProcess.kill();
    await waitFor(
      async () => (await warningOf(feed.id))?.type === 'PROCESS_CRASHED',
      30_000,
      'the feed warning',
    );
    traderProcess.kill();
    const held = await waitFor(async () => warningOf(trader.id), 30_000, 'the trader warning');
    expect(held).toMatchObject({
      type: 'PROCESS_CRASHED',
      suppressed_by: feed.id,
      suppressed_by_name: 'md-feed',
    });
    await waitFor(() => hitsOf(feed.id).includes('opened'), 30_000, 'the feed webhook');
    expect(hitsOf(trader.id)).toEqual([]);

    // The feed comes back (a new process under the same command line); the trader does not.
    extra.push(
      spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)', feedProcess.tag], { stdio: 'ignore' }),
    );
    await waitFor(() => hitsOf(feed.id).includes('resolved'), 60_000, 'the feed resolved');
    const released = await waitFor(
      async () => {
        const w = await warningOf(trader.id);
        return w?.suppressed_by === null ? w : undefined;
      },
      60_000,
      'the trader warning released',
    );
    expect(released).toMatchObject({ status: 'OPEN', type: 'PROCESS_CRASHED' });
    expect(released.message).toContain('notified now');
    await waitFor(() => hitsOf(trader.id).includes('opened'), 30_000, 'the trader webhook');
    expect(hitsOf(feed.id)).toEqual(['opened', 'resolved']);
  });
});
