import type { Host } from '@procwatch/shared';
import type { AgentProcess, SpoolStats } from './agent-process.ts';
import { deactivateMonitors, type HostFixture } from './fixtures.ts';
import type { HttpClient } from './http-client.ts';
import { waitUntil } from './poll.ts';

/**
 * Ends sampling so that "produced" is a fixed number: deactivates the hosts' monitors, waits until each
 * agent applied a config with no monitors and reported (heartbeat) an empty spool, then stops the agents
 * with SIGTERM and returns each one's final spool counters (`lastSeq` = samples produced).
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
  await Promise.all(
    pairs.map(async ({ agent, fixture }, i) => {
      const proc = agent.current;
      if (!proc) throw new Error('agent not running');
      await proc.waitForLine(/^(?=.*"msg":"config applied")(?=.*"monitors":0[,}])/, {
        from: marks[i],
        timeoutMs,
      });
      await waitUntil(
        `${fixture.host.name}'s agent to report an empty spool`,
        async () => {
          const host = await admin.call<Host>('GET', `/api/v1/hosts/${fixture.host.id}`);
          return host.agent_spool_depth === 0;
        },
        { timeoutMs, intervalMs: 500 },
      );
    }),
  );
  const stats: SpoolStats[] = [];
  for (const { agent } of pairs) {
    const code = await agent.stop(15_000);
    const final = agent.spoolStats('stopped');
    if (!final) throw new Error(`${agent.current?.name} did not log its final spool stats (exit ${code})`);
    stats.push(final);
  }
  return stats;
}
