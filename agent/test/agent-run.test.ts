import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanFrames } from '../src/spool/frame-codec.ts';
import { agentConfig } from './support/agent-config.ts';
import { startAgentProcess, writeAgentConfig, writeConfigCache } from './support/agent-process.ts';
import { spawnChild } from './support/children.ts';
import { monitor } from './support/monitor.ts';
import { waitFor } from './support/poll.ts';
import { TestReceiver } from './support/receiver.ts';
import { tmpDir } from './support/tmp.ts';

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Seqs of the records in a spool directory, read straight from the segment files. */
function spooledSeqs(dir: string): number[] {
  const spoolDir = join(dir, 'spool');
  if (!existsSync(spoolDir)) return [];
  return readdirSync(spoolDir)
    .filter((n) => n.endsWith('.seg'))
    .sort()
    .flatMap((n) => scanFrames(readFileSync(join(spoolDir, n))).frames.map((f) => f.seq));
}

describe('procwatch-agent run', () => {
  it('pushes samples, reports a kill and a SIGSTOP within seconds, runs check-now, heartbeats, stops on SIGTERM', async () => {
    using dir = tmpDir();
    await using victim = await spawnChild('idle');
    await using sleeper = await spawnChild('idle');
    const victimMonitor = monitor({ name: 'victim', command_pattern: victim.tag });
    const sleeperMonitor = monitor({ name: 'sleeper', command_pattern: sleeper.tag });
    await using receiver = await new TestReceiver(agentConfig([victimMonitor, sleeperMonitor])).start();
    await using agent = startAgentProcess(writeAgentConfig(dir.path, [receiver.url], receiver.token));

    const running = await waitFor(
      () => receiver.samplesFor(victimMonitor.id).find((s) => s.status === 'RUNNING'),
      {
        what: 'a RUNNING sample',
      },
    );
    expect(running).toMatchObject({ pid: victim.pid, process_count: 1, error_message: null });
    expect(running.cpu_percent).not.toBeNull();
    expect(running.memory_used_mb).toBeGreaterThan(0);
    expect(running.trade_day).toMatch(/^\d{8}$/);
    expect(running.matches?.[0]?.command).toContain(victim.tag);
    expect(receiver.contentEncodings.has('gzip')).toBe(true);
    expect(existsSync(join(dir.path, 'config-cache.json'))).toBe(true);

    // The check interval is 60 s: only the liveness watch can report these quickly.
    const killedAt = Date.now();
    await victim.kill();
    const gone = await waitFor(
      () => receiver.samplesFor(victimMonitor.id).find((s) => s.status === 'NOT_FOUND'),
      { what: 'NOT_FOUND after the kill', timeoutMs: 20_000 },
    );
    expect(gone.seq).toBeGreaterThan(running.seq);
    expect(gone.receivedAtMs - killedAt).toBeLessThan(20_000);

    process.kill(sleeper.pid, 'SIGSTOP');
    const stopped = await waitFor(
      () => receiver.samplesFor(sleeperMonitor.id).find((s) => s.status === 'STOPPED'),
      { what: 'STOPPED after SIGSTOP', timeoutMs: 20_000 },
    );
    expect(stopped.pid).toBe(sleeper.pid);
    process.kill(sleeper.pid, 'SIGCONT');

    const before = receiver.samplesFor(sleeperMonitor.id).length;
    receiver.queueCommand({
      id: randomUUID(),
      kind: 'check_now',
      issued_at: new Date().toISOString(),
      processMonitorIds: [sleeperMonitor.id],
    });
    await waitFor(() => receiver.samplesFor(sleeperMonitor.id).length > before, {
      what: 'a check-now sample',
    });

    const beat = await waitFor(() => receiver.heartbeats.at(-1), { what: 'a heartbeat' });
    expect(beat.last_seq).toBeGreaterThan(0);
    // The config is fetched again with its ETag and is unchanged.
    await waitFor(() => receiver.notModified > 0, { what: 'a 304 on config refresh', timeoutMs: 30_000 });

    const exit = await agent.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(5000);
    expect(agent.logs.some((l) => l.msg === 'agent stopped')).toBe(true);
    // Every sample arrived once, in sequence order.
    const seqs = receiver.samples.map((s) => s.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('fails over to the next collector URL in order', async () => {
    using dir = tmpDir();
    await using child = await spawnChild('idle');
    const m = monitor({ command_pattern: child.tag });
    await using receiver = await new TestReceiver(agentConfig([m])).start();
    const dead = `http://127.0.0.1:${await deadPort()}`;
    await using agent = startAgentProcess(writeAgentConfig(dir.path, [dead, receiver.url], receiver.token));
    await waitFor(() => receiver.samplesFor(m.id).length > 0, { what: 'a sample via the second URL' });
    await agent.waitForLog((l) => l.msg === 'collector failover', 'a failover log line');
  });

  it('drops only a sample the collector refuses (4xx) and keeps pushing the others', async () => {
    using dir = tmpDir();
    await using child = await spawnChild('idle');
    const good = monitor({ name: 'good', command_pattern: child.tag, check_interval: 1 });
    const refused = monitor({ name: 'refused', command_pattern: child.tag, check_interval: 1 });
    await using receiver = await new TestReceiver(agentConfig([good, refused])).start();
    receiver.refusedMonitors.add(refused.id);
    await using agent = startAgentProcess(writeAgentConfig(dir.path, [receiver.url], receiver.token));
    await waitFor(() => receiver.samplesFor(good.id).length >= 3, { what: 'samples of the good monitor' });
    await agent.waitForLog((l) => l.msg === 'collector refused a sample; dropped it', 'the refusal log line');
    expect(receiver.samplesFor(refused.id)).toEqual([]);
  });

  it('starts from the cached config while the collector is down, survives SIGKILLs, and replays each sample once, in order', async () => {
    using dir = tmpDir();
    await using child = await spawnChild('idle');
    const monitors = Array.from({ length: 20 }, (_, i) =>
      monitor({ name: `m${i}`, command_pattern: child.tag, check_interval: 1 }),
    );
    const config = agentConfig(monitors);
    writeConfigCache(dir.path, config);
    const down = `http://127.0.0.1:${await deadPort()}`;
    const configPath = writeAgentConfig(dir.path, [down], 'test-agent-token-0123456789');

    // Two runs killed with SIGKILL while they check and spool (20 samples a second).
    let spooled = 0;
    for (const target of [60, 140]) {
      const agent = startAgentProcess(configPath);
      await waitFor(() => spooledSeqs(dir.path).length >= target, {
        what: `${target} spooled samples`,
        timeoutMs: 60_000,
      });
      await agent.stop('SIGKILL');
      const seqs = spooledSeqs(dir.path);
      // Readable, gap-free: at most the record being written at the kill is missing (its seq is reused).
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(seqs.length).toBeGreaterThanOrEqual(spooled);
      spooled = seqs.length;
    }

    // The collector comes back: everything spooled arrives, once, in order.
    await using receiver = await new TestReceiver(config).start();
    await using agent = startAgentProcess(writeAgentConfig(dir.path, [receiver.url], receiver.token));
    await waitFor(() => receiver.samples.length >= spooled + 20, {
      what: 'the backlog and new samples',
      timeoutMs: 60_000,
    });
    await agent.stop('SIGTERM');
    const seqs = receiver.samples.map((s) => s.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(receiver.duplicates).toBe(0);
  });
});
