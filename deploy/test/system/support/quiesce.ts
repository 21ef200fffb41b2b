import type { Host } from '@procwatch/shared';
import type { AgentProcess, SpoolStats } from './agent-process.ts';
import { deactivateMonitors, type HostFixture } from './fixtures.ts';
import type { HttpClient } from './http-client.ts';
import { waitUntil } from './poll.ts';

const ATTEMPTS = 4;

/**
 * Ends sampling so that "produced" is a fixed number: deactivates the hosts' monitors, waits until each
 * agent applied a config with no monitors and a heartbeat says its spool is empty and its last seq is the
 * newest the collector holds, then stops the agent with SIGTERM. Its final log line must show an empty
 * spool; if not (a heartbeat older than the last samples), the agent is started again on its spool,
 * which now only pushes, and stopped again. Returns each agent's final spool counters (`lastSeq` = produced).
 */
export async function quiesceAgents(
  admin: HttpClient,
  pairs: readonly { agent: AgentProcess; fixture: HostFixture }[],
  options: { timeoutMs?: number } = {},
): Promise<SpoolStats[]> {
  const marks = pairs.map(({ agent }) => agent.current?.lines.length ?? 0);
  await deactivateMonitors(
    admin,
    pairs.flatMap((p) => p.fixture.monitorIds),
  );
  const timeoutMs = options.timeoutMs ?? 120_000;
  return Promise.all(
    pairs.map(async ({ agent, fixture }, i) => {
      const proc = agent.current;
      if (!proc) throw new Error('agent not running');
      await proc.waitForLine(/^(?=.*"msg":"config applied")(?=.*"monitors":0[,}])/, {
        from: marks[i],
        timeoutMs,
      });
      for (let attempt = 1; ; attempt++) {
        await waitUntil(
          `${fixture.host.name}'s agent to report an empty spool`,
          async () => {
            const host = await admin.call<Host>('GET', `/api/v1/hosts/${fixture.host.id}`);
            const history = await admin.call<{ items: { seq: number | null }[] }>(
              'GET',
              `/api/v1/monitors/${fixture.monitorIds[0]}/history?limit=1`,
            );
            // A heartbeat from before an outage also said "empty": only one that knows the newest stored
            // sample counts.
            const newest = history.items[0]?.seq ?? 0;
            return host.agent_spool_depth === 0 && (host.agent_last_seq ?? 0) >= newest;
          },
          { timeoutMs, intervalMs: 500 },
        );
        const code = await agent.stop(15_000);
        const final = agent.spoolStats('stopped');
        if (!final)
          throw new Error(`${agent.current?.name} did not log its final spool stats (exit ${code})`);
        if (final.depth === 0) return final;
        if (attempt >= ATTEMPTS)
          throw new Error(`${agent.current?.name} still had ${final.depth} samples spooled`);
        // Samples were still spooled: start it again (no monitors now) to push them.
        await agent.start();
      }
    }),
  );
}
