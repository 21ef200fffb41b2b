import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_VERSION } from '../src/version.ts';
import { spawnChild } from './support/children.ts';
import { runCli } from './support/cli.ts';
import { tmpDir } from './support/tmp.ts';

interface CheckJson {
  monitors: {
    name: string;
    status: string;
    process_count: number;
    pid: number | null;
    warning: string | null;
    matches: {
      pid: number;
      start_time: string;
      cpu_percent: number | null;
      rss_bytes: number | null;
      command: string;
    }[];
  }[];
}

describe('procwatch-agent check', () => {
  it('--pattern --json lists the matching processes (never itself), with pid, start, CPU, RSS, command', async () => {
    await using one = await spawnChild('idle');
    await using two = await spawnChild('idle', one.tag);
    // The agent's own argv holds the pattern too: it must not list itself.
    const { code, stdout, stderr } = await runCli(['check', '--pattern', one.tag, '--json']);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as CheckJson;
    const [m] = report.monitors;
    expect(m?.status).toBe('RUNNING');
    expect(m?.process_count).toBe(2);
    expect(m?.warning).toMatch(/2 processes match/);
    expect(m?.matches.map((p) => p.pid).sort()).toEqual([one.pid, two.pid].sort());
    expect(m?.pid).toBe(one.pid); // the oldest
    for (const p of m?.matches ?? []) {
      expect(p.command).toContain(one.tag);
      expect(Date.parse(p.start_time)).toBeGreaterThan(Date.now() - 120_000);
      expect(p.cpu_percent).not.toBeNull();
      expect(p.rss_bytes).toBeGreaterThan(0);
    }
  });

  it('prints a table without --json and reports NOT_FOUND', async () => {
    const { code, stdout } = await runCli(['check', '--pattern', 'procwatch-test-nothing-[0-9]{40}']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/NOT_FOUND/);
  });

  it('checks every monitor of a --monitors file', async () => {
    using dir = tmpDir();
    await using child = await spawnChild('idle');
    const file = join(dir.path, 'monitors.json');
    writeFileSync(
      file,
      JSON.stringify([
        { name: 'the child', command_pattern: child.tag, process_name: 'node' },
        { name: 'absent', process_name: 'no-such-process-x' },
      ]),
    );
    const { code, stdout, stderr } = await runCli(['check', '--monitors', file, '--json']);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as CheckJson;
    expect(report.monitors.map((m) => [m.name, m.status, m.pid])).toEqual([
      ['the child', 'RUNNING', child.pid],
      ['absent', 'NOT_FOUND', null],
    ]);
  });

  it('exits non-zero naming the monitor and field for a bad regex in a monitors file', async () => {
    using dir = tmpDir();
    const file = join(dir.path, 'monitors.json');
    writeFileSync(
      file,
      JSON.stringify({
        monitors: [
          { name: 'ok', process_name: 'x' },
          { name: 'quote feed', command_pattern: 'md-(gw' },
        ],
      }),
    );
    const { code, stderr } = await runCli(['check', '--monitors', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(file);
    expect(stderr).toContain('monitor "quote feed" (monitors[1]): command_pattern');
    expect(stderr).toMatch(/not a valid regular expression/);
  });

  it('exits non-zero naming the monitor and field for a bad regex in the cached collector config', async () => {
    using dir = tmpDir();
    const cache = {
      version: 1,
      etag: null,
      fetched_at: new Date().toISOString(),
      config: {
        protocol: 1,
        host: { id: 1, name: 'h' },
        settings: {},
        calendar: {},
        monitors: [
          {
            id: 7,
            name: 'trader A1',
            process_type: 'TRADER',
            fundAccountId: 'A1',
            process_name: null,
            command_pattern: '[unclosed',
            pid_file: null,
            check_interval: 60,
            monitor_start_time: null,
            monitor_end_time: null,
          },
        ],
      },
    };
    writeFileSync(join(dir.path, 'config-cache.json'), JSON.stringify(cache));
    const config = join(dir.path, 'agent.json');
    writeFileSync(config, JSON.stringify({ state_dir: dir.path }));
    const { code, stderr } = await runCli(['check', '--config', config]);
    expect(code).toBe(2);
    expect(stderr).toContain('monitor "trader A1" (monitors[0]): command_pattern');
  });

  it('exits non-zero naming the file and field for a bad agent.json, and for a bad --pattern', async () => {
    using dir = tmpDir();
    const config = join(dir.path, 'agent.json');
    writeFileSync(
      config,
      JSON.stringify({ collector: { urls: ['ftp://x'], token: 'x'.repeat(20) }, lister: 'magic' }),
    );
    const bad = await runCli(['run', '--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${config}: collector.urls.0: must be an http:// or https:// URL`);
    expect(bad.stderr).toContain(`${config}: lister:`);
    const pattern = await runCli(['check', '--pattern', '(']);
    expect(pattern.code).toBe(2);
    expect(pattern.stderr).toMatch(/--pattern: is not a valid regular expression/);
  });

  it('prints its version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(AGENT_VERSION);
  });
});
