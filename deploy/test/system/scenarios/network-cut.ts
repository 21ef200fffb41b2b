import { join } from 'node:path';
import type { Warning, WarningPage } from '@procwatch/shared';
import { expect } from 'vitest';
import { REPO_ROOT } from '../../../src/build-agent-bundle.ts';
import { AgentProcess } from '../support/agent-process.ts';
import { baseEnv, CollectorProcess } from '../support/collector-process.ts';
import { createHostWithMonitors, startTarget } from '../support/fixtures.ts';
import type { HttpClient } from '../support/http-client.ts';
import { startProcess } from '../support/managed-process.ts';
import { NetnsPair } from '../support/netns.ts';
import { waitUntil } from '../support/poll.ts';
import { quiesceAgents } from '../support/quiesce.ts';
import { hostLedger, storedRows } from '../support/sample-ledger.ts';
import type { SystemEnv } from './scenario.ts';

const MONITORS = 10;
const HEARTBEAT_TIMEOUT_S = 6;
/** The collector's AGENT_OFFLINE check runs every 5 s (+10 % jitter): the longest a raise can lag. */
const OFFLINE_CHECK_MS = 5_500;
/** Slack for a loaded 2-core machine on top of timeout + check interval. */
const SLACK_MS = 6_000;
const PORT = 8080;

async function offlineWarning(admin: HttpClient, hostId: number): Promise<Warning | undefined> {
  const page = await admin.call<WarningPage>(
    'GET',
    `/api/v1/warnings?type=AGENT_OFFLINE&hostServerId=${hostId}&limit=10`,
  );
  return page.items[0];
}

/**
 * Scenario 4: the agent lives in one network namespace, the collector in another, joined by a veth pair.
 * The link is cut (packets vanish): AGENT_OFFLINE is raised within the host's heartbeat timeout plus one
 * check interval, never before the timeout. After healing, the spooled backlog arrives whole and the
 * warning resolves.
 */
export async function networkCutScenario({ ctx, pg, record }: SystemEnv): Promise<void> {
  const database = 'network_cut';
  await pg.createDatabase(database);
  const net = await NetnsPair.create(ctx);
  const socketPath = ctx.path('netcut-relay.sock');
  const relay = startProcess({
    name: 'netcut-relay',
    command: 'ip',
    args: [
      'netns',
      'exec',
      net.collectorNs,
      process.execPath,
      '--import',
      'tsx',
      join(REPO_ROOT, 'deploy', 'test', 'system', 'support', 'unix-relay.ts'),
      socketPath,
      '127.0.0.1',
      String(PORT),
    ],
    env: baseEnv(),
    cwd: REPO_ROOT,
    logFile: ctx.path('logs', 'netcut-relay.log'),
  });
  ctx.defer('stop the relay', () => relay.stop(2_000).then(() => {}));
  await relay.waitForLine(/^relay /, { timeoutMs: 60_000 });

  const collector = new CollectorProcess(ctx, {
    name: 'network-cut',
    // Over the Unix socket: the collector's namespace has no route to the suite's PostgreSQL port.
    databaseUrl: pg.socketUrl(database),
    port: PORT,
    host: '0.0.0.0',
    urlHost: net.collectorAddress,
    netns: net.collectorNs,
    socketPath,
    env: { PROCWATCH_AGENT_HEARTBEAT_INTERVAL_SECONDS: '1', PROCWATCH_AGENT_CONFIG_REFRESH_SECONDS: '5' },
  });
  await collector.start();
  const admin = collector.admin;
  const target = startTarget(ctx, 'netcut');
  const fixture = await createHostWithMonitors(ctx, admin, {
    name: 'netcut-host',
    address: net.agentAddress,
    monitors: MONITORS,
    pattern: target.marker,
    heartbeatTimeoutSeconds: HEARTBEAT_TIMEOUT_S,
  });
  const hostId = fixture.host.id;
  const agent = new AgentProcess(ctx, {
    name: 'netcut-agent',
    collectorUrls: [collector.url],
    token: fixture.token,
    requestTimeoutMs: 2_000,
    netns: net.agentNs,
  });
  await agent.start();
  await waitUntil('samples across the veth', async () => (await storedRows(pg, database, [hostId])) >= 50, {
    timeoutMs: 120_000,
    intervalMs: 250,
  });

  const mark = agent.current!.lines.length;
  const cutAt = Date.now();
  await net.cut();
  const raised = await waitUntil('AGENT_OFFLINE', () => offlineWarning(admin, hostId), {
    timeoutMs: HEARTBEAT_TIMEOUT_S * 1000 + OFFLINE_CHECK_MS + 60_000,
    intervalMs: 250,
  });
  const lastHeartbeat = Date.parse(String(raised.details?.last_heartbeat_at));
  const raisedAfterHeartbeatMs = Date.parse(raised.first_seen_at) - lastHeartbeat;
  const raisedAfterCutMs = Date.parse(raised.first_seen_at) - cutAt;
  await agent.current!.waitForLine(/"msg":"push failed/, { from: mark, timeoutMs: 60_000 });
  const storedDuringCut = await storedRows(pg, database, [hostId]);

  const healedAt = Date.now();
  await net.heal();
  const resolved = await waitUntil(
    'AGENT_OFFLINE to resolve',
    async () => {
      const w = await offlineWarning(admin, hostId);
      return w?.status === 'RESOLVED' ? w : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
  const resolvedAfterHealMs = Date.parse(resolved.resolved_at!) - healedAt;

  const [final] = await quiesceAgents(admin, [{ agent, fixture }]);
  const ledger = await hostLedger(pg, database, hostId, final!.lastSeq);
  const produced = final!.lastSeq;
  const stored = produced - ledger.missingCount;
  const duplicated = ledger.rows - ledger.distinctSampleIds;
  const backlog = produced - storedDuringCut;
  const serverErrors = collector.serverErrors().length;
  const inTime =
    raisedAfterHeartbeatMs >= HEARTBEAT_TIMEOUT_S * 1000 &&
    raisedAfterHeartbeatMs <= HEARTBEAT_TIMEOUT_S * 1000 + OFFLINE_CHECK_MS + SLACK_MS;
  const passed = inTime && stored === produced && duplicated === 0 && serverErrors === 0 && final!.lost === 0;
  record({
    fault: '4. network cut (netns + veth), then healed',
    produced,
    stored,
    lost: produced - stored,
    duplicated,
    serverErrors,
    passed,
    notes:
      `AGENT_OFFLINE ${(raisedAfterHeartbeatMs / 1000).toFixed(1)} s after the last heartbeat ` +
      `(timeout ${HEARTBEAT_TIMEOUT_S} s; ${(raisedAfterCutMs / 1000).toFixed(1)} s after the cut); ` +
      `resolved ${(resolvedAfterHealMs / 1000).toFixed(1)} s after healing; backlog ≥ ${backlog}`,
  });
  expect(raised.status).not.toBe('RESOLVED');
  expect(raisedAfterHeartbeatMs).toBeGreaterThanOrEqual(HEARTBEAT_TIMEOUT_S * 1000);
  expect(raisedAfterHeartbeatMs).toBeLessThanOrEqual(
    HEARTBEAT_TIMEOUT_S * 1000 + OFFLINE_CHECK_MS + SLACK_MS,
  );
  expect(resolved.id).toBe(raised.id);
  expect(ledger.missingSeqs).toEqual([]);
  expect(stored).toBe(produced);
  expect(duplicated).toBe(0);
  expect(final!.lost).toBe(0);
  expect(collector.serverErrors()).toEqual([]);
}
