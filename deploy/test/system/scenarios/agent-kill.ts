import { randomInt } from 'node:crypto';
import { abortableSleep } from '@procwatch/shared';
import { expect } from 'vitest';
import { AgentProcess } from '../support/agent-process.ts';
import { CollectorProcess } from '../support/collector-process.ts';
import { createHostWithMonitors, startTarget } from '../support/fixtures.ts';
import { freePort } from '../support/ports.ts';
import { quiesceAgents } from '../support/quiesce.ts';
import { hostLedger, warningsAbout } from '../support/sample-ledger.ts';
import { inspectSpool, type SpoolInspection } from '../support/spool-inspection.ts';
import type { SystemEnv } from './scenario.ts';

const KILLS = 10;
const MONITORS = 50;

/**
 * Scenario 3: one agent sampling 50 monitors every second is SIGKILLed ten times at random moments
 * (appending, pushing or idle). After each kill its spool is read with the agent's own decoder (every
 * record valid, in order; at most a torn tail) and the agent restarts on it. At the end every record
 * that reached the spool is stored once; the only losses allowed are torn records, one per kill at most.
 */
export async function agentKillScenario({ ctx, pg, record }: SystemEnv): Promise<void> {
  const database = 'agent_kill';
  await pg.createDatabase(database);
  const collector = new CollectorProcess(ctx, {
    name: 'agent-kill',
    databaseUrl: pg.url(database),
    port: await freePort(),
    env: { PROCWATCH_AGENT_HEARTBEAT_INTERVAL_SECONDS: '2', PROCWATCH_AGENT_CONFIG_REFRESH_SECONDS: '5' },
  });
  await collector.start();
  const target = startTarget(ctx, 'akill');
  const fixture = await createHostWithMonitors(ctx, collector.admin, {
    name: 'akill-host',
    monitors: MONITORS,
    pattern: target.marker,
  });
  const agent = new AgentProcess(ctx, {
    name: 'akill-agent',
    collectorUrls: [collector.url],
    token: fixture.token,
  });

  const inspections: SpoolInspection[] = [];
  let proc = await agent.start();
  for (let kill = 1; kill <= KILLS; kill++) {
    // Heavy sampling under way: a few full checks of all 50 monitors since this start.
    const mark = proc.lines.length;
    for (let scans = 0; scans < 2; scans++) {
      await proc.waitForLine(/"msg":"checked"/, { from: proc.lines.length, timeoutMs: 60_000 });
    }
    expect(proc.lines.length).toBeGreaterThan(mark);
    // A random moment within the next check interval: appending, pushing, or between the two.
    await abortableSleep(randomInt(0, 1000));
    await agent.kill();
    inspections.push(inspectSpool(agent.spoolDir));
    proc = await agent.start();
  }

  const [final] = await quiesceAgents(collector.admin, [{ agent, fixture }]);
  const ledger = await hostLedger(pg, database, fixture.host.id, final!.lastSeq);
  const torn = inspections.reduce((n, i) => n + i.tornTails, 0);
  const corrupt = inspections.reduce((n, i) => n + i.corruptRanges + i.outOfOrder, 0);
  const invalid = agent
    .entries()
    .filter((e) => /record failed validation|unreadable record|state unreadable/.test(String(e.msg)));
  // A torn record's seq is reused after the restart (the next sample takes it), so torn records are
  // lost on top of the contiguous 1..lastSeq the agent ends with.
  const produced = final!.lastSeq + torn;
  const stored = final!.lastSeq - ledger.missingCount;
  const duplicated = ledger.rows - ledger.distinctSampleIds;
  const serverErrors = collector.serverErrors().length;
  // The watched process ran throughout: any warning would be a false alarm caused by the fault.
  const falseAlarms = await warningsAbout(pg, database, [fixture.host.id]);
  const passed =
    falseAlarms.length === 0 &&
    torn <= KILLS &&
    inspections.every((i) => i.tornTails <= 1) &&
    corrupt === 0 &&
    invalid.length === 0 &&
    ledger.missingCount === 0 &&
    duplicated === 0 &&
    serverErrors === 0 &&
    final!.lost === 0;
  record({
    fault: `3. agent SIGKILLed ${KILLS}× during heavy sampling`,
    produced,
    stored,
    lost: produced - stored,
    duplicated,
    serverErrors,
    passed,
    notes: `${falseAlarms.length} false alarms; ${MONITORS} monitors @1 s; spool read after each kill: ${inspections.filter((i) => i.tornTails === 0 && i.corruptRanges === 0).length}/${KILLS} intact, ${torn} torn tail(s) (≤ 1 per kill allowed)`,
  });
  expect(inspections.map((i) => i.tornTails <= 1)).toEqual(inspections.map(() => true));
  expect(corrupt).toBe(0);
  expect(invalid).toEqual([]);
  expect(ledger.missingSeqs).toEqual([]);
  expect(produced - stored).toBeLessThanOrEqual(KILLS);
  expect(duplicated).toBe(0);
  expect(ledger.rows).toBe(ledger.distinctSeqs);
  expect(final!.lost).toBe(0);
  expect(collector.serverErrors()).toEqual([]);
  expect(falseAlarms).toEqual([]);
}
