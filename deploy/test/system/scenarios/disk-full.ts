import { closeSync, existsSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { AgentProcess } from '../support/agent-process.ts';
import { CollectorProcess } from '../support/collector-process.ts';
import { createHostWithMonitors, startTarget } from '../support/fixtures.ts';
import { waitUntil } from '../support/poll.ts';
import { freePort } from '../support/ports.ts';
import { quiesceAgents } from '../support/quiesce.ts';
import { hostLedger, storedRows } from '../support/sample-ledger.ts';
import { freeBytes, mountTmpfs } from '../support/tmpfs.ts';
import type { SystemEnv } from './scenario.ts';

const MONITORS = 40;
const TMPFS_BYTES = 2 * 1024 * 1024;
/** Room left beside the filler: a few seconds of samples. */
const LEFT_BYTES = 160 * 1024;

/** Fills the file system of `dir` up to `leave` free bytes with a file; returns its path. */
function fill(dir: string, leave: number, name = 'filler.bin'): string {
  const path = join(dir, name);
  const fd = openSync(path, 'a');
  const chunk = Buffer.alloc(4 * 1024);
  try {
    while (freeBytes(dir) > leave) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Another program eating the disk: takes every block that gets free, every few ms, until stopped. */
function keepFilling(dir: string): { stop(): void } {
  const timer = setInterval(() => fill(dir, 0, 'eater.bin'), 5);
  return {
    stop() {
      clearInterval(timer);
      rmSync(join(dir, 'eater.bin'), { force: true });
    },
  };
}

const countLines = (lines: readonly string[], pattern: RegExp) => lines.filter((l) => pattern.test(l)).length;

/**
 * Scenario 5: the agent's spool lives on a 2 MiB tmpfs; the collector is down, so the spool only grows,
 * and a filler file leaves it a few seconds of room. When the disk fills, the agent keeps checking,
 * drops the oldest segment with a counted, logged loss, and never crashes; when the filler goes, space
 * returns and so does normal spooling. After the collector is back, stored + counted loss = produced.
 */
export async function diskFullScenario({ ctx, pg, record }: SystemEnv): Promise<void> {
  const database = 'disk_full';
  await pg.createDatabase(database);
  const spoolDir = ctx.path('dfull-spool');
  await mountTmpfs(ctx, spoolDir, TMPFS_BYTES);
  const collector = new CollectorProcess(ctx, {
    name: 'disk-full',
    databaseUrl: pg.url(database),
    port: await freePort(),
    env: { PROCWATCH_AGENT_HEARTBEAT_INTERVAL_SECONDS: '2', PROCWATCH_AGENT_CONFIG_REFRESH_SECONDS: '5' },
  });
  await collector.start();
  const target = startTarget(ctx, 'dfull');
  const fixture = await createHostWithMonitors(ctx, collector.admin, {
    name: 'dfull-host',
    monitors: MONITORS,
    pattern: target.marker,
  });
  const hostId = fixture.host.id;
  const agent = new AgentProcess(ctx, {
    name: 'dfull-agent',
    collectorUrls: [collector.url],
    token: fixture.token,
    spoolDir,
    // The smallest segments, so that dropping the oldest frees room in small steps.
    spool: { segment_bytes: 64 * 1024 },
    requestTimeoutMs: 2_000,
  });
  const proc = await agent.start();
  await waitUntil(
    'samples to flow in',
    async () => (await storedRows(pg, database, [hostId])) >= MONITORS * 2,
    {
      timeoutMs: 120_000,
      intervalMs: 250,
    },
  );

  await collector.stop();
  const filler = fill(spoolDir, LEFT_BYTES);
  const fullAt = proc.lines.length;
  // The disk fills: the oldest segment is dropped, with a counted loss, at least twice.
  await waitUntil(
    'the spool to drop its oldest samples',
    () => countLines(proc.lines.slice(fullAt), /"msg":"spool: dropped the oldest unsent samples"/) >= 2,
    { timeoutMs: 120_000, intervalMs: 250 },
  );
  // It keeps checking meanwhile.
  const droppingAt = proc.lines.length;
  await waitUntil(
    'checks to go on on a full disk',
    () => countLines(proc.lines.slice(droppingAt), /"msg":"checked"/) >= 3,
    {
      timeoutMs: 60_000,
    },
  );
  const writeFailures = countLines(proc.lines.slice(fullAt), /"msg":"spool: write failed/);

  rmSync(filler);
  const freedAt = proc.lines.length;
  // Space is back: checks append without failing.
  await waitUntil(
    'checks to spool normally again',
    () => countLines(proc.lines.slice(freedAt), /"msg":"checked"/) >= 3,
    {
      timeoutMs: 60_000,
    },
  );
  const failuresAfterFree = countLines(proc.lines.slice(freedAt), /"msg":"spool: (write failed|dropped)/);

  await collector.start();
  // Phase 2: the collector is up, so the spool holds little more than its active segment, and the disk
  // fills to the last byte: nothing old is left to drop. Samples are lost — counted — and nothing crashes.
  await waitUntil(
    'the backlog to drain',
    async () =>
      (await storedRows(pg, database, [hostId])) > 0 &&
      agent.current!.lines.some((l) => /"msg":"collector reachable again"/.test(l)),
    {
      timeoutMs: 120_000,
      intervalMs: 250,
    },
  );
  const eater = keepFilling(spoolDir);
  ctx.defer('stop eating the disk', () => eater.stop());
  const brimAt = proc.lines.length;
  const lostOnBrim = () =>
    proc.lines
      .slice(brimAt)
      .filter((l) => l.includes('"msg":"spool: write failed; samples lost"'))
      .reduce((n, l) => n + Number((JSON.parse(l) as { lost?: number }).lost ?? 0), 0);
  try {
    // Whole ticks of samples are lost, counted, and the checks go on every second meanwhile.
    await waitUntil(
      'samples to be lost on a disk full to the brim while checks go on',
      () => lostOnBrim() >= 2 * MONITORS && countLines(proc.lines.slice(brimAt), /"msg":"checked"/) >= 3,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  } finally {
    eater.stop();
  }
  const tickFailures = countLines(proc.lines, /"msg":"scheduler tick failed"/);
  const refreedAt = proc.lines.length;
  await waitUntil(
    'checks to spool normally again',
    () => countLines(proc.lines.slice(refreedAt), /"msg":"checked"/) >= 2,
    {
      timeoutMs: 60_000,
    },
  );
  const restarted = agent.generations.length !== 1 || !proc.running;
  const [final] = await quiesceAgents(collector.admin, [{ agent, fixture }]);
  const ledger = await hostLedger(pg, database, hostId, final!.lastSeq);
  const produced = final!.lastSeq;
  const stored = produced - ledger.missingCount;
  const duplicated = ledger.rows - ledger.distinctSampleIds;
  const counted = final!.lost;
  const unaccounted = produced - stored - counted;
  const crashed = restarted || (await proc.exited) !== 0;
  const serverErrors = collector.serverErrors().length;
  // The collector hears of the loss with the heartbeats: one warning per increase, not one per heartbeat.
  const lossWarnings = collector.generations
    .flatMap((g) => g.jsonLines())
    .filter((e) => e.msg === 'agent reports lost samples')
    .map((e) => Number(e.spoolLost));
  const repeatedLossWarnings = lossWarnings.filter((n, i) => i > 0 && n <= lossWarnings[i - 1]!).length;
  const passed =
    lossWarnings.length > 0 &&
    repeatedLossWarnings === 0 &&
    counted > 0 &&
    tickFailures === 0 &&
    unaccounted === 0 &&
    duplicated === 0 &&
    !crashed &&
    failuresAfterFree === 0 &&
    serverErrors === 0;
  record({
    fault: '5. spool disk full (2 MiB tmpfs), then space freed',
    produced,
    stored,
    lost: unaccounted,
    duplicated,
    serverErrors,
    passed,
    notes: `oldest dropped with a counted loss of ${counted} (by design, reported to the collector: ${lossWarnings.join(' → ')}); ${writeFailures} failed writes; ${lostOnBrim()} lost on a disk full to the last byte, checks going on; agent never restarted`,
  });
  expect(counted).toBeGreaterThan(0);
  expect(lossWarnings.at(-1)).toBe(counted);
  expect(repeatedLossWarnings).toBe(0);
  expect(ledger.missingCount).toBe(counted);
  expect(unaccounted).toBe(0);
  expect(duplicated).toBe(0);
  expect(crashed).toBe(false);
  expect(tickFailures, 'checks never fail because the disk is full').toBe(0);
  expect(failuresAfterFree).toBe(0);
  expect(collector.serverErrors()).toEqual([]);
  // The config cache lives in the state dir, apart from the spool: it must still be written.
  expect(existsSync(join(agent.dir, 'state', 'config-cache.json'))).toBe(true);
}
