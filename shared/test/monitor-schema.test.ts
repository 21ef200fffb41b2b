import { describe, expect, it } from 'vitest';
import { fieldErrors, MonitorCreateSchema, MonitorFieldsSchema } from '../src/index.ts';

const valid = {
  name: 'XTP交易程序-账户001',
  process_type: 'TRADER',
  hostServerId: 1,
  fundAccountId: 'account001',
  process_name: 'trader_tools',
  command_pattern: 'trader_tools.*account001',
  active: true,
  check_interval: 60,
};

function errorsOf(input: unknown): { path: string; message: string }[] {
  const result = MonitorCreateSchema.safeParse(input);
  if (result.success) return [];
  return fieldErrors(result.error);
}

describe('monitor create schema', () => {
  it('accepts the design note examples', () => {
    expect(MonitorCreateSchema.safeParse(valid).success).toBe(true);
    expect(
      MonitorCreateSchema.safeParse({
        name: '行情程序',
        process_type: 'QUOTE',
        hostServerId: 1,
        process_name: 'quote_server',
        active: true,
        check_interval: 60,
      }).success,
    ).toBe(true);
  });

  it.each([
    [
      'a TRADER without a fund account',
      { ...valid, fundAccountId: undefined },
      'fundAccountId',
      /required for a TRADER/,
    ],
    [
      'a regex that does not compile',
      { ...valid, command_pattern: 'trader_(tools' },
      'command_pattern',
      /regular expression/,
    ],
    ['an over-long regex', { ...valid, command_pattern: 'a'.repeat(513) }, 'command_pattern', /at most 512/],
    [
      'no selector at all',
      { ...valid, process_name: null, command_pattern: undefined, pid_file: undefined },
      'process_name',
      /at least one of process_name, command_pattern or pid_file/,
    ],
    ['interval 0', { ...valid, check_interval: 0 }, 'check_interval', /at least 1/],
    ['interval above a day', { ...valid, check_interval: 86_401 }, 'check_interval', /at most 86400/],
    ['a fractional interval', { ...valid, check_interval: 1.5 }, 'check_interval', /whole number/],
    [
      'end before start',
      {
        ...valid,
        monitor_start_time: '2026-12-01T09:00:00+08:00',
        monitor_end_time: '2026-12-01T08:00:00+08:00',
      },
      'monitor_end_time',
      /after monitor_start_time/,
    ],
    [
      'end equal to start',
      { ...valid, monitor_start_time: '2026-12-01T09:00:00Z', monitor_end_time: '2026-12-01T09:00:00Z' },
      'monitor_end_time',
      /after/,
    ],
    ['a relative pid file', { ...valid, pid_file: 'run/trader.pid' }, 'pid_file', /absolute path/],
    ['a pid file with a newline', { ...valid, pid_file: '/run/a\n.pid' }, 'pid_file', /newline/],
    ['a path as process name', { ...valid, process_name: '/opt/bin/trader' }, 'process_name', /not a path/],
    ['an unknown process type', { ...valid, process_type: 'BROKER' }, 'process_type', /./],
    ['an empty name', { ...valid, name: '   ' }, 'name', /must not be empty/],
    ['a name with a control character', { ...valid, name: 'a\u0007b' }, 'name', /control characters/],
    [
      'a date without offset',
      { ...valid, monitor_start_time: '2026-12-01T09:00:00' },
      'monitor_start_time',
      /offset/,
    ],
    ['a bad session window', { ...valid, session_windows: ['25:00-26:00'] }, 'session_windows.0', /./],
    ['an unknown field', { ...valid, checkInterval: 30 }, '(root)', /checkInterval/],
  ])('rejects %s, naming the field', (_label, input, path, message) => {
    const errors = errorsOf(input);
    const hit = errors.find((e) => e.path === path);
    expect(hit, JSON.stringify(errors)).toBeDefined();
    expect(hit?.message).toMatch(message);
  });

  it('lets an update carry any subset of fields', () => {
    expect(MonitorFieldsSchema.partial().safeParse({ active: false }).success).toBe(true);
  });
});
