import { describe, expect, it } from 'vitest';
import {
  matchMonitor,
  type PidFileRead,
  type ProcessEntry,
  ProcessEntrySchema,
  parsePidFileContent,
  processTreePids,
} from '../src/matching/index.ts';

const t0 = new Date('2026-03-02T01:00:00.000Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

function proc(p: Partial<ProcessEntry> & Pick<ProcessEntry, 'pid'>): ProcessEntry {
  return { ppid: 1, name: 'x', cmdline: 'x', startTime: t0, state: 'S', ...p };
}

const entries: ProcessEntry[] = [
  proc({ pid: 1, ppid: 0, name: 'systemd', cmdline: '/sbin/init', startTime: at(-1000) }),
  proc({ pid: 2, ppid: 0, name: 'kthreadd', cmdline: '[kthreadd]', startTime: at(-1000), state: 'S' }),
  proc({
    pid: 500,
    name: 'trader',
    exe: '/opt/t/bin/trader',
    cmdline: '/opt/t/bin/trader --acct A1',
    startTime: at(10),
  }),
  proc({
    pid: 400,
    name: 'trader',
    exe: '/opt/t/bin/trader',
    cmdline: '/opt/t/bin/trader --acct A1',
    startTime: at(10),
  }),
  proc({
    pid: 300,
    name: 'trader',
    exe: '/opt/t/bin/trader',
    cmdline: '/opt/t/bin/trader --acct A2',
    startTime: at(5),
  }),
  proc({
    pid: 600,
    name: 'java',
    exe: '/usr/lib/jvm/bin/java',
    cmdline: 'java -cp x com.firm.QuoteFeed',
    startTime: at(1),
  }),
  proc({
    pid: 700,
    name: 'market-data-gat',
    exe: null,
    cmdline: '/opt/md/market-data-gateway -c x',
    startTime: at(2),
  }),
  proc({ pid: 800, name: 'stopped', cmdline: 'stopped-prog', state: 'T', startTime: at(3) }),
  proc({ pid: 801, name: 'zomb', cmdline: '[zomb]', state: 'Z', startTime: at(3) }),
  proc({ pid: 900, ppid: 1, name: 'node', cmdline: 'node agent.js --pattern trader', startTime: at(0) }),
  proc({ pid: 901, ppid: 900, name: 'ps', cmdline: 'ps -eo trader', startTime: at(0) }),
  proc({ pid: 902, ppid: 901, name: 'sh', cmdline: 'sh trader', startTime: at(0) }),
];

describe('matchMonitor selectors', () => {
  it('matches process_name on comm or the executable basename, picks the oldest as primary', () => {
    const r = matchMonitor(entries, { process_name: 'trader' });
    expect(r.status).toBe('RUNNING');
    expect(r.processCount).toBe(3);
    expect(r.matches.map((m) => m.pid)).toEqual([300, 400, 500]);
    expect(r.primary?.pid).toBe(300);
    expect(matchMonitor(entries, { process_name: 'java' }).primary?.pid).toBe(600);
  });

  it('breaks start-time ties by lowest pid', () => {
    const r = matchMonitor(entries, { command_pattern: 'acct A1$' });
    expect(r.matches.map((m) => m.pid)).toEqual([400, 500]);
  });

  it('matches a long name against a truncated comm through argv[0]', () => {
    expect(matchMonitor(entries, { process_name: 'market-data-gateway' }).primary?.pid).toBe(700);
    expect(matchMonitor(entries, { process_name: 'market-data-gatewayX' }).status).toBe('NOT_FOUND');
  });

  it('requires every given selector to hold', () => {
    expect(matchMonitor(entries, { process_name: 'trader', command_pattern: 'A2' }).primary?.pid).toBe(300);
    expect(matchMonitor(entries, { process_name: 'java', command_pattern: 'A2' }).status).toBe('NOT_FOUND');
  });

  it('never matches excluded pids (the checker and its children)', () => {
    const exclude = processTreePids(entries, 900);
    expect([...exclude].sort()).toEqual([900, 901, 902]);
    const r = matchMonitor(entries, { command_pattern: 'trader' }, { excludePids: exclude });
    expect(r.matches.map((m) => m.pid)).toEqual([300, 400, 500]);
  });

  it('treats pattern text literally as a RegExp, never as a shell string', () => {
    const hostile = [proc({ pid: 10, cmdline: 'run $(touch /tmp/x); `id` "q"' })];
    expect(matchMonitor(hostile, { command_pattern: '\\$\\(touch /tmp/x\\)' }).status).toBe('RUNNING');
    expect(matchMonitor(hostile, { process_name: '$(touch /tmp/x)' }).status).toBe('NOT_FOUND');
  });
});

describe('matchMonitor status', () => {
  it('reports STOPPED for a stopped or zombie primary, NOT_FOUND for nothing', () => {
    expect(matchMonitor(entries, { process_name: 'stopped' })).toMatchObject({
      status: 'STOPPED',
      message: 'pid 800: process is stopped (state T)',
    });
    expect(matchMonitor(entries, { process_name: 'zomb' }).status).toBe('STOPPED');
    expect(matchMonitor(entries, { process_name: 'nothing' })).toMatchObject({
      status: 'NOT_FOUND',
      primary: null,
      processCount: 0,
    });
  });

  it('reports ERROR for a bad pattern or no selector', () => {
    expect(matchMonitor(entries, { command_pattern: '(' })).toMatchObject({ status: 'ERROR' });
    expect(matchMonitor(entries, {}).status).toBe('ERROR');
  });
});

describe('matchMonitor with a PID file', () => {
  const file = '/run/trader.pid';
  const check = (read: PidFileRead, extra: object = {}) =>
    matchMonitor(entries, { pid_file: file, ...extra }, { pidFiles: new Map([[file, read]]) });

  it('names the process whose pid the file holds', () => {
    const r = check({ ok: true, content: '400\n', modifiedAt: at(11) });
    expect(r).toMatchObject({ status: 'RUNNING', processCount: 1 });
    expect(r.primary?.pid).toBe(400);
  });

  it('is STOPPED when the pid is dead (stale file)', () => {
    expect(check({ ok: true, content: '4242' })).toMatchObject({ status: 'STOPPED', primary: null });
  });

  it('is STOPPED when the pid now runs another program', () => {
    expect(check({ ok: true, content: '600' }, { process_name: 'trader' }).status).toBe('STOPPED');
    // Only a PID file: a process that started after the file was written has a recycled PID.
    const reused = check({ ok: true, content: '400', modifiedAt: at(-100) });
    expect(reused.status).toBe('STOPPED');
    expect(reused.message).toMatch(/reused/);
  });

  it('is STOPPED when the pid is the checker itself', () => {
    const r = matchMonitor(
      entries,
      { pid_file: file },
      { pidFiles: new Map([[file, { ok: true, content: '900' }]]), excludePids: new Set([900]) },
    );
    expect(r.status).toBe('STOPPED');
  });

  it('is NOT_FOUND for a missing or empty file, ERROR for garbage or unreadable', () => {
    expect(check({ ok: false, code: 'ENOENT', message: 'no such file' }).status).toBe('NOT_FOUND');
    expect(check({ ok: true, content: '  \n' }).status).toBe('NOT_FOUND');
    expect(check({ ok: true, content: 'hello' }).status).toBe('ERROR');
    expect(check({ ok: false, code: 'EACCES', message: 'permission denied' }).status).toBe('ERROR');
    expect(matchMonitor(entries, { pid_file: file }).status).toBe('ERROR');
  });
});

describe('parsePidFileContent', () => {
  it('reads a decimal pid on the first line', () => {
    expect(parsePidFileContent(' 123 \n8080\n')).toEqual({ kind: 'pid', pid: 123 });
    expect(parsePidFileContent('0').kind).toBe('invalid');
    expect(parsePidFileContent('-5').kind).toBe('invalid');
    expect(parsePidFileContent('99999999').kind).toBe('invalid');
    expect(parsePidFileContent('').kind).toBe('empty');
  });
});

describe('ProcessEntrySchema', () => {
  it('accepts what a ps line parser produces and rejects nonsense', () => {
    expect(ProcessEntrySchema.safeParse(proc({ pid: 5, state: 'R', uid: 0 })).success).toBe(true);
    expect(ProcessEntrySchema.safeParse({ ...proc({ pid: 5 }), state: 'Q' }).success).toBe(false);
    expect(ProcessEntrySchema.safeParse({ ...proc({ pid: 0 }) }).success).toBe(false);
  });
});
