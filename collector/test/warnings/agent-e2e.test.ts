import { compileCalendar, DEFAULT_CALENDAR, nextWindowOpening, zonedParts } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../support/test-database.ts';
import { waitFor } from './fixtures.ts';
import { type LiveStack, startLiveStack } from './live-stack.ts';

// The whole path with real processes: a target process is killed, the real agent reports it, the collector's
// engine decides, the webhook receiver hears about it. The collector's clock can be stepped forward to open a
// session window without waiting for one.

const calendar = compileCalendar(DEFAULT_CALENDAR);
let offsetMs = 0;

/** A daily window that is closed now: it opens two hours from now (local exchange time) for a minute. */
function closedWindow(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const later = zonedParts(new Date(now.getTime() + 2 * 3_600_000), calendar.timeZone);
  const end = zonedParts(new Date(now.getTime() + 2 * 3_600_000 + 60_000), calendar.timeZone);
  return `${pad(later.hour)}:${pad(later.minute)}-${pad(end.hour)}:${pad(end.minute)}`;
}

describe('warnings end to end with a real agent', () => {
  let stack: LiveStack;
  let token: string;
  let hostId: number;

  beforeAll(async () => {
    stack = await startLiveStack({
      database: await openTestDatabase('pglite'),
      clock: () => new Date(Date.now() + offsetMs),
    });
    const host = await stack.createHost();
    token = host.agent_token;
    hostId = host.id;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const currentStatus = async (monitorId: number) => {
    const res = await stack.admin('GET', `/api/v1/status?hostServerId=${hostId}`);
    const body = (await res.json()) as { items: { processMonitorId: number; status: string | null }[] };
    return body.items.find((i) => i.processMonitorId === monitorId)?.status ?? null;
  };
  const warningsOf = async (monitorId: number) => {
    const res = await stack.admin('GET', `/api/v1/warnings?processMonitorId=${monitorId}`);
    return ((await res.json()) as { items: { id: number; type: string; status: string }[] }).items;
  };

  it('a killed process is warned about once, and the webhook hears it; outside its window only when it opens', async () => {
    const always = stack.spawnTarget();
    const windowed = stack.spawnTarget();
    const window = closedWindow(new Date());
    const m1 = await stack.createMonitor(hostId, { command_pattern: always.tag });
    const m2 = await stack.createMonitor(hostId, {
      command_pattern: windowed.tag,
      session_windows: [window],
    });
    stack.startAgent(token);
    await waitFor(async () => (await currentStatus(m1.id)) === 'RUNNING', 60_000, 'the first target RUNNING');
    await waitFor(
      async () => (await currentStatus(m2.id)) === 'RUNNING',
      60_000,
      'the second target RUNNING',
    );

    // Inside "always": the kill is a warning and a webhook.
    always.kill();
    const opened = await waitFor(
      () => stack.hits.find((h) => h.event === 'opened' && h.warning.monitor?.id === m1.id),
      30_000,
      'the webhook of the first kill',
    );
    expect(opened.warning.type).toBe('PROCESS_CRASHED');
    expect(await warningsOf(m1.id)).toMatchObject([{ id: opened.warning.id, status: 'OPEN' }]);

    // Outside its window: the kill is stored, and nothing is raised.
    windowed.kill();
    await waitFor(
      async () => (await currentStatus(m2.id)) === 'NOT_FOUND',
      30_000,
      'the second target NOT_FOUND',
    );
    // Longer than the schedule job's period: it has looked at least once and seen a closed window.
    await new Promise((r) => setTimeout(r, 7_000));
    expect(await warningsOf(m2.id)).toEqual([]);
    expect(stack.hits.filter((h) => h.warning.monitor?.id === m2.id)).toEqual([]);

    // The window opens (the collector's clock jumps to it): the process is still down, so it is raised at once.
    const opening = nextWindowOpening(new Date(), [window], calendar);
    expect(opening).not.toBeNull();
    offsetMs = opening!.getTime() - Date.now() + 1_000;
    const caughtUp = await waitFor(
      () => stack.hits.find((h) => h.event === 'opened' && h.warning.monitor?.id === m2.id),
      30_000,
      'the webhook when the window opens',
    );
    expect(caughtUp.warning.type).toBe('PROCESS_NOT_RUNNING');
    expect(await warningsOf(m2.id)).toMatchObject([{ type: 'PROCESS_NOT_RUNNING', status: 'OPEN' }]);
    // Exactly one "opened" per incident. (Jumping the clock days ahead may also bring a reminder of the first
    // warning and a passing AGENT_OFFLINE until the next heartbeat: those are not incidents of these monitors.)
    expect(
      stack.hits
        .filter((h) => h.event === 'opened' && h.warning.monitor !== null)
        .map((h) => h.warning.monitor?.id),
    ).toEqual([m1.id, m2.id]);
  });
});
