import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { matchMonitor } from '@procwatch/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuPercentBetween } from '../../src/ssh/cpu-usage.ts';
import {
  MARKER_PREFIX,
  REMOTE_SNAPSHOT_COMMAND,
  remoteSnapshotCommand,
} from '../../src/ssh/remote-command.ts';
import { parseRemoteOutput, RemoteOutputError, unescapeLs } from '../../src/ssh/remote-output.ts';

const run = promisify(execFile);
const tag = `procwatch-ssh-${randomUUID()}`;
let child: ChildProcess;
let output: string;

// The fixed command runs locally through /bin/sh here (the same text sshd hands to the login shell).
beforeAll(async () => {
  child = spawn(process.execPath, ['-e', 'setInterval(()=>{},1e3)', tag], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  output = (await run('/bin/sh', ['-c', REMOTE_SNAPSHOT_COMMAND], { maxBuffer: 64 * 1024 * 1024 })).stdout;
});

afterAll(() => {
  child.kill('SIGKILL');
});

describe('parseRemoteOutput', () => {
  it('turns the real command output into process entries the shared matcher uses', () => {
    const snapshot = parseRemoteOutput(output);
    expect(snapshot.malformedLines).toBe(0);
    const entry = snapshot.entries.find((e) => e.pid === child.pid);
    expect(entry).toBeDefined();
    expect(entry!.cmdline).toContain(tag);
    expect(entry!.exe).toBe(process.execPath);
    expect(entry!.name).toBe('node');
    expect(entry!.state).toMatch(/^[RS]$/);
    expect(entry!.ppid).toBe(process.pid);
    expect(Math.abs(entry!.startTime.getTime() - Date.now())).toBeLessThan(120_000);
    expect(entry!.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(snapshot.cpuPercent.get(child.pid!)).toBeGreaterThanOrEqual(0);
    expect(snapshot.memTotalBytes).toBeGreaterThan(0);

    const byPattern = matchMonitor(snapshot.entries, { command_pattern: tag }, snapshot);
    expect(byPattern.status).toBe('RUNNING');
    expect(byPattern.primary?.pid).toBe(child.pid);
    const byName = matchMonitor(snapshot.entries, { process_name: 'node', command_pattern: tag }, snapshot);
    expect(byName.primary?.pid).toBe(child.pid);
  });

  it('never matches the check itself (its shell and the commands it runs)', () => {
    const snapshot = parseRemoteOutput(output);
    // The shell's own command line holds every marker; it and its children are excluded.
    // Other checks may run on this machine at the same time (parallel SSH suites): only this check's own
    // session must be left out, so compare against the excluded pids rather than expecting no match at all.
    const own = matchMonitor(snapshot.entries, { command_pattern: '@@procwatch:' }, snapshot);
    expect(snapshot.excludePids.size).toBeGreaterThan(0);
    for (const match of own.matches) expect(snapshot.excludePids.has(match.pid)).toBe(false);
    const unfiltered = matchMonitor(snapshot.entries, { command_pattern: '@@procwatch:' });
    expect(unfiltered.matches.some((m) => snapshot.excludePids.has(m.pid))).toBe(true);
  });

  it('parses the variants without the CPU pause and the executables', async () => {
    const command = remoteSnapshotCommand({ sampleCpu: false, exe: false });
    expect(command).not.toContain('sleep');
    const text = (await run('/bin/sh', ['-c', command], { maxBuffer: 64 * 1024 * 1024 })).stdout;
    const snapshot = parseRemoteOutput(text);
    expect(snapshot.malformedLines).toBe(0);
    expect(snapshot.cpuPercent.size).toBe(0);
    const entry = snapshot.entries.find((e) => e.pid === child.pid);
    expect(entry?.exe).toBeNull();
    expect(entry?.cmdline).toContain(tag);
    // Against the earlier snapshot: CPU over the interval between the two commands.
    const before = parseRemoteOutput(output).cpuReading;
    const cpu = cpuPercentBetween(before, snapshot.cpuReading);
    expect(cpu.get(child.pid!)).toBeGreaterThanOrEqual(0);
  });

  it('counts malformed lines in every section and keeps going', () => {
    const injected = output
      .replace(/(@@procwatch:stat2@@\n[^\n]*\n)/, (m) => `${m}garbage line\n12 (x\n`)
      .replace(`${MARKER_PREFIX}ps@@\n`, (m) => `${m}not a ps row\n`)
      .replace(`${MARKER_PREFIX}exe@@\n`, (m) => `${m}lrwx /proc/x/exe -> /y\n`);
    const snapshot = parseRemoteOutput(injected);
    expect(snapshot.malformedLines).toBe(4);
    expect(snapshot.malformedSamples).toContain('garbage line');
    expect(snapshot.entries.some((e) => e.pid === child.pid)).toBe(true);
  });

  it('rejects a truncated or foreign output with a clear error', () => {
    const cut = output.slice(0, output.indexOf(`${MARKER_PREFIX}ps@@`));
    expect(() => parseRemoteOutput(cut)).toThrow(/lacks its ps section/);
    expect(() => parseRemoteOutput('Welcome to host!\n')).toThrow(RemoteOutputError);
    expect(() => parseRemoteOutput(output.replace('format@@ 2', 'format@@ 9'))).toThrow(
      /unknown output format/,
    );
  });

  it('never throws anything but RemoteOutputError on arbitrary text', () => {
    const lines = output.split('\n');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.constantFrom(...lines.slice(0, 30), ...lines.slice(-30))), {
          maxLength: 60,
        }),
        (parts) => {
          try {
            const snapshot = parseRemoteOutput(parts.join('\n'));
            expect(snapshot.entries.length).toBeGreaterThanOrEqual(0);
          } catch (error) {
            expect(error).toBeInstanceOf(RemoteOutputError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('unescapeLs', () => {
  it('undoes ls -b quoting', () => {
    expect(unescapeLs('/opt/my\\ app/bin')).toBe('/opt/my app/bin');
    expect(unescapeLs('/tmp/a\\nb')).toBe('/tmp/a\nb');
    expect(unescapeLs('/tmp/\\303\\251t\\303\\251')).toBe('/tmp/été');
    expect(unescapeLs('/tmp/back\\\\slash')).toBe('/tmp/back\\slash');
  });
});
