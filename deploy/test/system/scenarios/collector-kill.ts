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
const MONITORS_PER_AGENT = 20;
const KILLS = 3;
const MIN_PRODUCED = 1_000;

/**
 * Scenario 1: two agents sample 20 monitors each every second while the collector is SIGKILLed three
 * times (each time with batches in flight) and started again on the same port and database. Every
 * sample the agents produced is stored exactly once.
 */
export async function collectorKillScenario({ ctx, pg, record }: SystemEnv): Promise<void> {
  const database = 'collector_kill';
  await pg.createDatabase(database);
  const collector = new CollectorProcess(ctx, {
    name: 'collector-kill',
    databaseUrl: pg.url(database),
    port: await freePort(),
    env: { PROCWATCH_AGENT_HEARTBEAT_INTERVAL_SECONDS: '2', PROCWATCH_AGENT_CONFIG_REFRESH_SECONDS: '5' },
  });
  await collector.start();
  const target = startTarget(ctx, 'ckill');
  const fixtures: HostFixture[] = [];
  for (let i = 0; i < AGENTS; i++) {
    fixtures.push(
      await createHostWithMonitors(ctx, collector.admin, {
        name: `ckill-host-${i}`,
        monitors: MONITORS_PER_AGENT,
        pattern: target.marker,
      }),
    );
  }
  const hostIds = fixtures.map((f) => f.host.id);
  const agents = fixtures.map(
    (f, i) =>
      new AgentProcess(ctx, { name: `ckill-agent-${i}`, collectorUrls: [collector.url], token: f.token }),
  );
  await Promise.all(agents.map((a) => a.start()));

  let retriesSeen = 0;
  const step = Math.ceil(MIN_PRODUCED / (KILLS + 1));
  for (let kill = 1; kill <= KILLS; kill++) {
    const before = await storedRows(pg, database, hostIds);
    await waitUntil(
      'samples to flow in',
      async () => (await storedRows(pg, database, hostIds)) >= before + step,
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    // Kill right as a batch lands: its transaction is committed, and the warning hook may still be
    // running with the answer not yet sent — the agent must then resend it and get "duplicates".
    const landed = await storedRows(pg, database, hostIds);
    await waitUntil(
      'the next batch to land',
      async () => (await storedRows(pg, database, hostIds)) > landed,
      {
        timeoutMs: 60_000,
        intervalMs: 2,
      },
    );
    const marks = agents.map((a) => a.current!.lines.length);
    await collector.kill();
    // Every agent notices (a refused push or heartbeat) before the collector comes back.
    await Promise.all(
      agents.map((a, i) =>
        a.current!.waitForLine(/"msg":"(push|heartbeat) failed/, { from: marks[i], timeoutMs: 60_000 }),
      ),
    );
    retriesSeen += agents.length;
    await collector.start();
  }
  await waitUntil(
    `at least ${MIN_PRODUCED} samples stored`,
    async () => (await storedRows(pg, database, hostIds)) >= MIN_PRODUCED + step / 2,
    { timeoutMs: 180_000, intervalMs: 500 },
  );

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
  const spoolLost = sum(finals.map((f) => f.lost));
  const serverErrors = collector.serverErrors().length;
  // The watched process ran throughout: any warning would be a false alarm caused by the fault.
  const falseAlarms = await warningsAbout(pg, database, hostIds);
  const passed =
    falseAlarms.length === 0 &&
    produced >= MIN_PRODUCED &&
    stored === produced &&
    duplicated === 0 &&
    serverErrors === 0 &&
    spoolLost === 0;
  record({
    fault: `1. collector SIGKILLed ${KILLS}× mid-ingest`,
    produced,
    stored,
    lost: produced - stored,
    duplicated,
    serverErrors,
    passed,
    notes: `${falseAlarms.length} false alarms; ${AGENTS} agents × ${MONITORS_PER_AGENT} monitors @1 s; ${collector.generations.length} collector starts; ${retriesSeen} agent retry episodes; ${sum(agents.map((a) => a.duplicatesAnswered()))} resent samples answered as duplicates`,
  });
  expect(produced).toBeGreaterThanOrEqual(MIN_PRODUCED);
  expect(ledgers.map((l) => l.missingSeqs)).toEqual(ledgers.map(() => []));
  expect(stored).toBe(produced);
  expect(duplicated).toBe(0);
  expect(ledgers.map((l) => l.rows)).toEqual(ledgers.map((l) => l.distinctSeqs));
  expect(spoolLost).toBe(0);
  expect(collector.serverErrors()).toEqual([]);
  expect(falseAlarms).toEqual([]);
}
