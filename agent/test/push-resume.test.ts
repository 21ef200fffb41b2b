import { describe, expect, it } from 'vitest';
import { agentConfig } from './support/agent-config.ts';
import { startAgentProcess, writeAgentConfig, writeConfigCache } from './support/agent-process.ts';
import { spawnChild } from './support/children.ts';
import { monitor } from './support/monitor.ts';
import { waitFor } from './support/poll.ts';
import { type ReceivedRequest, TestReceiver } from './support/receiver.ts';
import { tmpDir } from './support/tmp.ts';

const HEARTBEAT = '/agent/v1/heartbeat';
const SAMPLES = '/agent/v1/samples';
/** Refused pushes before the collector comes back: the push backoff's ceiling is then 30 s (500 ms·2^6, capped). */
const REFUSED_PUSHES = 6;

const accepted = (r: ReceivedRequest) => r.status >= 200 && r.status < 300;
const kind = (r: ReceivedRequest) => (r.path === HEARTBEAT ? 'heartbeat' : 'samples');

describe('procwatch-agent run after a collector outage', () => {
  // Why this ordering tells the fix apart: after six refused pushes the pusher sleeps a random
  // 0–30 s. The collector comes back at a heartbeat, and the next heartbeat follows 1 s later. With
  // the fix the spool is sent between the two; without it that happens only when the random sleep
  // happens to end in that one second (about 1 in 30). Two outages in a row make a lucky pass
  // without the fix about 1 in 900.
  it('sends the spool right after the first accepted heartbeat instead of sleeping out the push backoff', async () => {
    using dir = tmpDir();
    await using child = await spawnChild('idle');
    const m = monitor({ command_pattern: child.tag, check_interval: 1 });
    // Heartbeats every second. The config refresh is rare, so heartbeats alone detect the recovery.
    const config = agentConfig([m], { heartbeat_interval_s: 1, config_refresh_s: 3600 });
    // The heartbeat's backoff cap is set from the settings known at start: with the cache it is 1 s,
    // so failed heartbeats are retried within a second during the outage too.
    writeConfigCache(dir.path, config);
    await using receiver = await new TestReceiver(config).start();
    await using agent = startAgentProcess(writeAgentConfig(dir.path, [receiver.url], receiver.token));
    await waitFor(() => receiver.samplesFor(m.id).length > 0, { what: 'a first sample' });

    for (const outage of [1, 2]) {
      const from = receiver.requests.length;
      let backAt = -1;
      receiver.onRequest = (request) => {
        if (backAt >= 0 || request.path !== HEARTBEAT) return;
        const refused = receiver.requests.slice(from).filter((r) => r.path === SAMPLES).length;
        if (refused < REFUSED_PUSHES) return;
        receiver.down = false; // this heartbeat is the first request answered again
        backAt = receiver.requests.length - 1;
      };
      receiver.down = true;

      // Until the second accepted heartbeat after the recovery, and every push before it, is answered.
      const sinceBack = await waitFor(
        () => {
          if (backAt < 0) return undefined;
          const seen = receiver.requests
            .slice(backAt)
            .filter((r) => r.path === HEARTBEAT || r.path === SAMPLES);
          const second = seen.findIndex((r, i) => i > 0 && r.path === HEARTBEAT && accepted(r));
          if (second < 0 || seen.slice(0, second).some((r) => r.status === 0)) return undefined;
          return seen.slice(0, second + 1);
        },
        {
          what: `outage ${outage}: ${REFUSED_PUSHES} refused pushes, then two accepted heartbeats`,
          timeoutMs: 120_000,
        },
      );
      receiver.onRequest = null;

      const order = sinceBack.map((r) => `${kind(r)} ${r.status}`);
      const [first] = sinceBack;
      expect(first?.path, order.join(', ')).toBe(HEARTBEAT);
      // The spool drained before the next heartbeat: through the last seq that first heartbeat reported.
      const pushed = sinceBack.filter((r) => r.path === SAMPLES && accepted(r));
      expect(
        pushed.length,
        `outage ${outage}, requests since the recovery: ${order.join(', ')}`,
      ).toBeGreaterThan(0);
      expect(Math.max(...pushed.map((r) => r.lastSeq ?? 0))).toBeGreaterThanOrEqual(
        first?.lastSeq ?? Infinity,
      );
    }

    const exit = await agent.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const seqs = receiver.samples.map((s) => s.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(receiver.duplicates).toBe(0);
  }, 300_000);
});
