import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable, skipWithout } from './support/skip.ts';

const run = promisify(execFile);
const UNIT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'systemd');
const UNITS = ['procwatch-agent.service', 'procwatch-collector.service'] as const;
const analyze = findExecutable('systemd-analyze');

/**
 * `systemd-analyze verify` resolves ExecStart= binaries and the default dependencies (sysinit.target…)
 * on the running system. To check the units exactly as installed, independent of where this machine
 * keeps node, we verify them in a scratch root: the distribution's unit directory copied in, the
 * units in /etc/systemd/system, and a placeholder executable at /usr/bin/node.
 */
async function makeRoot(units: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'procwatch-units-'));
  const systemUnits = ['/usr/lib/systemd/system', '/lib/systemd/system'];
  for (const dir of systemUnits) {
    try {
      await cp(dir, join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
      break;
    } catch {
      // try the next location
    }
  }
  await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await writeFile(join(root, 'usr/bin/node'), '#!/bin/sh\n');
  await chmod(join(root, 'usr/bin/node'), 0o755);
  for (const [name, text] of Object.entries(units))
    await writeFile(join(root, 'etc/systemd/system', name), text);
  return root;
}

/** Exit code and output of `systemd-analyze <args>` in `root`; warnings count as findings. */
async function analyzeIn(root: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(analyze ?? 'systemd-analyze', [
      ...args.slice(0, 1),
      `--root=${root}`,
      ...args.slice(1),
    ]);
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The `Key=value` lines of a unit's [Service] section (repeated keys keep every value). */
function serviceSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1] ?? '';
      continue;
    }
    if (section !== 'Service') continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    settings.set(key, [...(settings.get(key) ?? []), line.slice(eq + 1)]);
  }
  return settings;
}

describe.skipIf(skipWithout(analyze, 'systemd-analyze', 'apt-get install systemd'))('systemd units', () => {
  const texts: Record<string, string> = {};
  let root = '';

  beforeAll(async () => {
    for (const unit of UNITS) texts[unit] = await readFile(join(UNIT_DIR, unit), 'utf8');
    root = await makeRoot(texts);
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('pass systemd-analyze verify with no warnings', async () => {
    const result = await analyzeIn(root, ['verify', ...UNITS]);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('the verify check does catch a bad directive (control)', async () => {
    const broken = (texts['procwatch-agent.service'] ?? '').replace(
      'ProtectHome=read-only',
      'ProtectHome=maybe',
    );
    const badRoot = await makeRoot({ 'broken.service': broken });
    try {
      const result = await analyzeIn(badRoot, ['verify', 'broken.service']);
      expect(result.output).toContain('protect home value');
    } finally {
      await rm(badRoot, { recursive: true, force: true });
    }
  });

  it.each([
    ['procwatch-agent.service', 25],
    ['procwatch-collector.service', 20],
  ])('%s stays within its systemd-analyze security exposure budget', async (unit, threshold) => {
    const result = await analyzeIn(root, ['security', '--offline=true', `--threshold=${threshold}`, unit]);
    expect(result.output).toContain('Overall exposure level');
    expect(result.code, result.output).toBe(0);
  });

  it.each(UNITS)('%s restarts on failure and carries the required hardening', (unit) => {
    const s = serviceSettings(texts[unit] ?? '');
    const one = (key: string) => s.get(key)?.at(-1);
    expect(one('Restart')).toBe('on-failure');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(['yes', 'read-only']).toContain(one('ProtectHome'));
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('ReadWritePaths')).toMatch(/^\/var\/lib\/procwatch-/);
    expect(one('ProtectKernelTunables')).toBe('yes');
    expect(one('ProtectKernelModules')).toBe('yes');
    expect(s.get('SystemCallFilter')?.[0]).toBe('@system-service');
    expect(one('User')).toMatch(/^procwatch/);
    expect(one('User')).not.toBe('root');
  });

  it('gives the agent only CAP_SYS_PTRACE, with ptrace itself filtered out', () => {
    const s = serviceSettings(texts['procwatch-agent.service'] ?? '');
    expect(s.get('CapabilityBoundingSet')).toEqual(['CAP_SYS_PTRACE']);
    expect(s.get('AmbientCapabilities')).toEqual(['CAP_SYS_PTRACE']);
    const denied = (s.get('SystemCallFilter') ?? []).filter((f) => f.startsWith('~')).join(' ');
    for (const call of ['@debug', 'process_vm_readv', 'process_vm_writev']) expect(denied).toContain(call);
    // The agent exits within 5 s of SIGTERM; systemd must wait longer than that before SIGKILL.
    expect(Number.parseInt(s.get('TimeoutStopSec')?.[0] ?? '0', 10)).toBeGreaterThan(5);
  });

  it('gives the collector no capabilities', () => {
    const s = serviceSettings(texts['procwatch-collector.service'] ?? '');
    // PROCWATCH_SHUTDOWN_TIMEOUT_MS is at most 9.5 s (collector/src/config.ts).
    expect(Number.parseInt(s.get('TimeoutStopSec')?.[0] ?? '0', 10)).toBeGreaterThan(9.5);
    expect(s.get('CapabilityBoundingSet')).toEqual(['']);
    expect(s.get('AmbientCapabilities')).toEqual(['']);
  });
});
