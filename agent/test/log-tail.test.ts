import { randomUUID } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sample } from '@procwatch/shared';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../src/checks/scheduler.ts';
import { readLogTail } from '../src/logs/read-log-tail.ts';
import { ProcLister } from '../src/processes/proc-lister.ts';
import { readSystemConstants } from '../src/processes/system-constants.ts';
import { Spool } from '../src/spool/spool.ts';
import { agentConfig } from './support/agent-config.ts';
import { startAgentProcess, writeAgentConfig } from './support/agent-process.ts';
import { spawnChild } from './support/children.ts';
import { memoryLogger } from './support/log.ts';
import { monitor } from './support/monitor.ts';
import { waitFor } from './support/poll.ts';
import { TestReceiver } from './support/receiver.ts';
import { tmpDir } from './support/tmp.ts';

const lines = (n: number) => `${Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n')}\n`;

describe('log tail', () => {
  it('the first sample that finds a killed process down carries the last 50 lines of its log', async () => {
    using dir = tmpDir();
    const logs = join(dir.path, 'logs');
    mkdirSync(logs);
    const logFile = join(logs, 'md.log');
    writeFileSync(logFile, lines(120));
    const child = await spawnChild('idle');
    const { log } = memoryLogger();
    const samples: Sample[] = [];
    const spool = Spool.open({ dir: join(dir.path, 'spool'), log });
    const lister = new ProcLister(await readSystemConstants());
    const scheduler = new Scheduler({
      lister,
      spool,
      log,
      logDirs: [logs],
      totalMemoryBytes: 8 * 1024 ** 3,
      selfPid: 999_999_999,
      phaseMs: 0,
      onSamples: (s) => samples.push(...s),
    });
    scheduler.setConfig(
      agentConfig([monitor({ command_pattern: child.tag, log_file: logFile, check_interval: 1 })], {
        liveness_interval_ms: 200,
      }),
    );
    const controller = new AbortController();
    const loop = scheduler.run(controller.signal);
    try {
      await waitFor(() => samples.some((s) => s.status === 'RUNNING'), { what: 'RUNNING' });
      expect(samples.every((s) => s.log_tail === undefined)).toBe(true);
      await child.kill('SIGKILL');
      const down = await waitFor(() => samples.find((s) => s.status === 'NOT_FOUND'), { what: 'NOT_FOUND' });
      expect(down.log_tail).toMatchObject({ path: logFile, truncated: true, error: null });
      const text = down.log_tail?.text?.split('\n') ?? [];
      expect(text).toHaveLength(50);
      expect(text[0]).toBe('line 71');
      expect(text.at(-1)).toBe('line 120');
      // Only the first down sample carries it.
      const count = samples.length;
      await waitFor(() => samples.length >= count + 2, { what: 'more samples' });
      expect(samples.filter((s) => s.log_tail).length).toBe(1);
    } finally {
      controller.abort();
      await loop;
      spool.close();
      await lister.close();
    }
  });

  it('refuses a path outside log_dirs, also through a symlink; bounds the tail to 16 KiB', async () => {
    using dir = tmpDir();
    const allowed = join(dir.path, 'allowed');
    const secret = join(dir.path, 'secret.txt');
    mkdirSync(allowed);
    writeFileSync(secret, 'password=hunter2\n');
    symlinkSync(secret, join(allowed, 'link.log'));
    const outside = await readLogTail(secret, [allowed]);
    expect(outside).toMatchObject({ text: null });
    expect(outside.error).toContain('not under a directory in log_dirs');
    const viaLink = await readLogTail(join(allowed, 'link.log'), [allowed]);
    expect(viaLink.text).toBeNull();
    expect(viaLink.error).toContain('not under a directory in log_dirs');
    const dotdot = await readLogTail(join(allowed, '..', 'secret.txt'), [allowed]);
    expect(dotdot.text).toBeNull();
    expect(outside.error_code).toBe('refused');
    expect(viaLink.error_code).toBe('refused');
    const missing = await readLogTail(join(allowed, 'missing.log'), [allowed]);
    expect(missing.error).toContain('ENOENT');
    expect(missing.error_code).toBe('missing');

    const big = join(allowed, 'big.log');
    writeFileSync(big, `${'x'.repeat(1000)}\n`.repeat(40));
    const tail = await readLogTail(big, [allowed]);
    expect(tail.truncated).toBe(true);
    expect(Buffer.byteLength(tail.text ?? '')).toBeLessThanOrEqual(16 * 1024);
    expect(tail.text?.split('\n').every((l) => l.length === 1000)).toBe(true);
  });
});

describe('log tail on demand (the log_tail command)', () => {
  it('answers with the tail of the monitor its own config names, refuses paths outside log_dirs, skips unknown commands', async () => {
    using dir = tmpDir();
    const logs = join(dir.path, 'logs');
    mkdirSync(logs);
    writeFileSync(join(logs, 'md.log'), lines(120));
    writeFileSync(join(dir.path, 'secret.txt'), 'password=hunter2\n');
    await using child = await spawnChild('idle');
    const md = monitor({ command_pattern: child.tag, log_file: join(logs, 'md.log') });
    const secret = monitor({ command_pattern: child.tag, log_file: join(dir.path, 'secret.txt') });
    await using receiver = await new TestReceiver(agentConfig([md, secret])).start();
    await using agent = startAgentProcess(
      writeAgentConfig(dir.path, [receiver.url], receiver.token, { log_dirs: [logs] }),
    );
    await waitFor(() => receiver.samplesFor(md.id).length > 0, { what: 'the agent running its config' });

    const command = (processMonitorId: number, max_lines = 10) => ({
      id: randomUUID(),
      kind: 'log_tail' as const,
      issued_at: new Date().toISOString(),
      processMonitorId,
      max_lines,
      max_bytes: 65_536,
    });
    const unknown = { id: randomUUID(), kind: 'reboot_host', issued_at: new Date().toISOString() };
    const asks = [command(md.id), command(secret.id), command(424_242)];
    receiver.queueCommand(unknown);
    for (const ask of asks) receiver.queueCommand(ask);
    await waitFor(() => asks.every((a) => receiver.results.has(a.id)), { what: 'three answers' });

    const [ok, refused, unconfigured] = asks.map((a) => receiver.results.get(a.id)?.log_tail);
    expect(ok).toMatchObject({ path: join(logs, 'md.log'), truncated: true, error_code: null });
    expect(ok?.text?.split('\n')).toEqual(Array.from({ length: 10 }, (_, i) => `line ${111 + i}`));
    expect(refused).toMatchObject({ text: null, error_code: 'refused' });
    expect(JSON.stringify(refused)).not.toContain('hunter2');
    expect(unconfigured).toMatchObject({ text: null, error_code: 'not_configured' });
    expect(receiver.results.has(unknown.id)).toBe(false);
    await agent.waitForLog((l) => l.msg === 'command skipped: not one this agent knows', 'the skip line');
  });
});
