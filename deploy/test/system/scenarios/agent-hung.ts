import type { StatusList, WarningPage } from '@procwatch/shared';
import { expect } from 'vitest';
import { startSshd } from '../../../../collector/test/support/sshd.ts';
import { AgentProcess } from '../support/agent-process.ts';
import { CollectorProcess } from '../support/collector-process.ts';
import { createHostWithMonitors, startTarget } from '../support/fixtures.ts';
import type { HttpClient } from '../support/http-client.ts';
import { waitUntil } from '../support/poll.ts';
import { freePort } from '../support/ports.ts';
import { quiesceAgents } from '../support/quiesce.ts';
import { hostLedger, storedRows } from '../support/sample-ledger.ts';
import type { SystemEnv } from './scenario.ts';

const HEARTBEAT_TIMEOUT_S = 6;

async function sshSamples(
  env: SystemEnv,
  database: string,
  hostId: number,
  status?: string,
): Promise<number> {
  const [row] = await env.pg.query<{ n: string }>(
    database,
    `SELECT count(*) AS n FROM "ProcessStatus" s JOIN "ProcessMonitor" m ON m.id = s."processMonitorId"
      WHERE m."hostServerId" = $1 AND s.source = 'SSH' AND ($2::text IS NULL OR s.status::text = $2)`,
    [hostId, status ?? null],
  );
  return Number(row?.n ?? 0);
}

async function openWarnings(admin: HttpClient, hostId: number, type: string) {
  const page = await admin.call<WarningPage>('GET', `/api/v1/warnings?type=${type}&hostServerId=${hostId}`);
  return page.items;
}

/**
 * Scenario 4b: the agent hangs (SIGSTOP) — the host is up, the agent silent. AGENT_OFFLINE is raised and
 * the collector's SSH fallback checks the host through a real sshd (pinned host key, key login): the
 * monitor's status stays fresh, and when the watched process dies meanwhile, the SSH check reports it
 * and PROCESS_NOT_RUNNING is raised — no false silence. SIGCONT: the agent resumes, the warning resolves,
 * and every sample it produced is stored once.
 */
export async function agentHungScenario(env: SystemEnv): Promise<void> {
  const { ctx, pg, record } = env;
  const database = 'agent_hung';
  await pg.createDatabase(database);
  const sshd = await startSshd();
  ctx.defer('stop sshd', () => sshd.close());
  const collector = new CollectorProcess(ctx, {
    name: 'agent-hung',
    databaseUrl: pg.url(database),
    port: await freePort(),
    env: {
      PROCWATCH_AGENT_HEARTBEAT_INTERVAL_SECONDS: '1',
      PROCWATCH_AGENT_CONFIG_REFRESH_SECONDS: '5',
      PROCWATCH_SSH_KEY_FILE: sshd.clientKey.privateKeyFile,
      PROCWATCH_SSH_MIN_INTERVAL_SECONDS: '2',
    },
  });
  await collector.start();
  const admin = collector.admin;
  const target = startTarget(ctx, 'hung');
  const fixture = await createHostWithMonitors(ctx, admin, {
    name: 'hung-host',
    monitors: 1,
    pattern: target.marker,
    checkInterval: 2,
    heartbeatTimeoutSeconds: HEARTBEAT_TIMEOUT_S,
  });
  const hostId = fixture.host.id;
  await admin.call('PATCH', `/api/v1/hosts/${hostId}`, {
    ssh_port: sshd.port,
    ssh_user: sshd.user,
    ssh_host_key: sshd.hostKey.publicKey,
    ssh_host_key_policy: 'PINNED',
  });
  const agent = new AgentProcess(ctx, {
    name: 'hung-agent',
    collectorUrls: [collector.url],
    token: fixture.token,
  });
  const proc = await agent.start();
  await waitUntil('agent samples', async () => (await storedRows(pg, database, [hostId])) >= 5, {
    timeoutMs: 120_000,
  });

  proc.signal('SIGSTOP');
  const stoppedAt = Date.now();
  const offline = await waitUntil(
    'AGENT_OFFLINE while the agent hangs',
    async () => (await openWarnings(admin, hostId, 'AGENT_OFFLINE')).find((w) => w.status === 'OPEN'),
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  await waitUntil(
    'SSH samples of the silent host',
    async () => (await sshSamples(env, database, hostId, 'RUNNING')) >= 2,
    {
      timeoutMs: 90_000,
      intervalMs: 250,
    },
  );
  const status = await admin.call<StatusList>('GET', `/api/v1/status?hostServerId=${hostId}`);
  const freshViaSsh = status.items.every((i) => i.status === 'RUNNING' && i.source === 'SSH' && !i.stale);

  // The watched process dies while the agent hangs: the SSH fallback must notice.
  const killedAt = Date.now();
  target.child.kill('SIGKILL');
  await waitUntil(
    'an SSH sample reporting the process gone',
    async () => (await sshSamples(env, database, hostId, 'NOT_FOUND')) >= 1,
    {
      timeoutMs: 90_000,
      intervalMs: 250,
    },
  );
  const notRunning = await waitUntil(
    'PROCESS_NOT_RUNNING or PROCESS_CRASHED from the SSH samples',
    async () => {
      const items = [
        ...(await openWarnings(admin, hostId, 'PROCESS_NOT_RUNNING')),
        ...(await openWarnings(admin, hostId, 'PROCESS_CRASHED')),
      ];
      return items.find((w) => w.status !== 'RESOLVED');
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  const alarmAfterKillMs = Date.parse(notRunning.first_seen_at) - killedAt;
  const ssh = await sshSamples(env, database, hostId);

  proc.signal('SIGCONT');
  const resumedAt = Date.now();
  await waitUntil(
    'AGENT_OFFLINE to resolve after SIGCONT',
    async () =>
      (await openWarnings(admin, hostId, 'AGENT_OFFLINE')).find(
        (w) => w.id === offline.id && w.status === 'RESOLVED',
      ),
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  const resolvedAfterMs = Date.now() - resumedAt;
  const neverRestarted = agent.generations.length === 1 && proc.running;
  const [final] = await quiesceAgents(admin, [{ agent, fixture }]);
  const ledger = await hostLedger(pg, database, hostId, final!.lastSeq);
  const produced = final!.lastSeq;
  const stored = produced - ledger.missingCount;
  const duplicated = ledger.rows - ledger.distinctSampleIds;
  const serverErrors = collector.serverErrors().length;
  const passed =
    freshViaSsh && stored === produced && duplicated === 0 && serverErrors === 0 && neverRestarted;
  record({
    fault: '4b. agent hung (SIGSTOP); SSH fallback via a real sshd',
    produced,
    stored,
    lost: produced - stored,
    duplicated,
    serverErrors,
    passed,
    notes:
      `AGENT_OFFLINE ${((Date.parse(offline.first_seen_at) - stoppedAt) / 1000).toFixed(1)} s after SIGSTOP; ${ssh} SSH samples; ` +
      `process killed → ${notRunning.type} in ${(alarmAfterKillMs / 1000).toFixed(1)} s via SSH; resolved ${(resolvedAfterMs / 1000).toFixed(1)} s after SIGCONT`,
  });
  expect(freshViaSsh, 'status stays fresh and right through SSH while the agent hangs').toBe(true);
  expect(ledger.missingSeqs).toEqual([]);
  expect(stored).toBe(produced);
  expect(duplicated).toBe(0);
  expect(collector.serverErrors()).toEqual([]);
}
