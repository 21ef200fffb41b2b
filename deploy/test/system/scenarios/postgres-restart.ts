import { expect } from 'vitest';
import { AgentProcess } from '../support/agent-process.ts';
import { CollectorProcess } from '../support/collector-process.ts';
import { createHostWithMonitors, type HostFixture, startTarget } from '../support/fixtures.ts';
import { waitUntil } from '../support/poll.ts';
import { freePort } from '../support/ports.ts';
import { quiesceAgents } from '../support/quiesce.ts';
import { hostLedger, storedRows, warningsAbout } from '../support/sample-ledger.ts';
import { type SystemEnv, sum } from './scenario.ts';

const AGENTS = 2;
const MONITORS_PER_AGENT = 15;
/** A 503 this long after PostgreSQL is back still counts as part of the outage. */
const OUTAGE_TAIL_MS = 2_000;

/**
 * Scenario 2: the collector's PostgreSQL goes down mid-ingest twice — once crash-like (`immediate`,
 * recovery at start), once cleanly (`fast`) — while agents keep sampling. Agents see errors and retry;
 * nothing is lost or stored twice. The collector may answer the documented 503 "database unavailable"
 * while the database is down; any other 5xx, or a 503 outside an outage, counts as a server error.
 */
export async function postgresRestartScenario({ ctx, pg, record }: SystemEnv): Promise<void> {
  const database = 'postgres_restart';
  await pg.createDatabase(database);
  const collector = new CollectorProcess(ctx, {
    name: 'pg-restart',
    databaseUrl: pg.url(database),
    port: await freePort(),
    env: { PROCWATCH_AGENT_HEARTBEAT_INTERVAL_SECONDS: '2', PROCWATCH_AGENT_CONFIG_REFRESH_SECONDS: '5' },
  });
  await collector.start();
  const target = startTarget(ctx, 'pgrestart');
  const fixtures: HostFixture[] = [];
  for (let i = 0; i < AGENTS; i++) {
    fixtures.push(
      await createHostWithMonitors(ctx, collector.admin, {
        name: `pgrestart-host-${i}`,
        monitors: MONITORS_PER_AGENT,
        pattern: target.marker,
      }),
    );
  }
  const hostIds = fixtures.map((f) => f.host.id);
  const agents = fixtures.map(
    (f, i) =>
      new AgentProcess(ctx, { name: `pgrestart-agent-${i}`, collectorUrls: [collector.url], token: f.token }),
  );
  await Promise.all(agents.map((a) => a.start()));

  const outages: { from: number; to: number }[] = [];
  for (const mode of ['immediate', 'fast'] as const) {
    const before = await storedRows(pg, database, hostIds);
    await waitUntil(
      'samples to flow in',
      async () => (await storedRows(pg, database, hostIds)) >= before + 150,
      {
        timeoutMs: 120_000,
        intervalMs: 250,
      },
    );
    const marks = agents.map((a) => a.current!.lines.length);
    const from = Date.now();
    await pg.stop(mode);
    // The agents' pushes now fail; each one logs it and keeps its samples spooled.
    await Promise.all(
      agents.map((a, i) =>
        a.current!.waitForLine(/"msg":"push failed/, { from: marks[i], timeoutMs: 60_000 }),
      ),
    );
    await pg.start();
    outages.push({ from, to: Date.now() + OUTAGE_TAIL_MS });
  }
  const before = await storedRows(pg, database, hostIds);
  await waitUntil('ingest to resume', async () => (await storedRows(pg, database, hostIds)) >= before + 150, {
    timeoutMs: 120_000,
    intervalMs: 250,
  });

  const finals = await quiesceAgents(
    collector.admin,
    agents.map((agent, i) => ({ agent, fixture: fixtures[i]! })),
  );
  const ledgers = await Promise.all(
    fixtures.map((f, i) => hostLedger(pg, database, f.host.id, finals[i]!.lastSeq)),
  );
  const produced = sum(finals.map((f) => f.lastSeq));
  const stored = sum(ledgers.map((l, i) => finals[i]!.lastSeq - l.missingCount));
  const duplicated = sum(ledgers.map((l) => l.rows - l.distinctSampleIds));
  const inOutage = (t: number) => outages.some((o) => t >= o.from && t <= o.to);
  const all5xx = collector.serverErrors();
  const unexpected = all5xx.filter((e) => !(e.status === 503 && inOutage(e.time)));
  const retried = all5xx.length - unexpected.length;
  const survived = collector.generations.length === 1 && collector.current!.running;
  // The watched process ran throughout: any warning would be a false alarm caused by the fault.
  const falseAlarms = await warningsAbout(pg, database, hostIds);
  const passed =
    falseAlarms.length === 0 &&
    stored === produced &&
    duplicated === 0 &&
    unexpected.length === 0 &&
    retried > 0 &&
    survived;
  record({
    fault: '2. PostgreSQL restarted mid-ingest (immediate, fast)',
    produced,
    stored,
    lost: produced - stored,
    duplicated,
    serverErrors: unexpected.length,
    passed,
    notes: `${falseAlarms.length} false alarms; ${retried} × 503 "database unavailable" while it was down, each retried by the agent`,
  });
  expect(ledgers.map((l) => l.missingSeqs)).toEqual(ledgers.map(() => []));
  expect(stored).toBe(produced);
  expect(duplicated).toBe(0);
  expect(unexpected).toEqual([]);
  expect(retried).toBeGreaterThan(0);
  expect(survived, 'the collector process lives through the database restarts').toBe(true);
  expect(sum(finals.map((f) => f.lost))).toBe(0);
  expect(falseAlarms).toEqual([]);
}
