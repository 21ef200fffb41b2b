import { compileCalendar, type OpsWarningType } from '@procwatch/shared';
import { describe, expect, it } from 'vitest';
import { INITIAL_ENGINE_STATE, type MonitorRuleInput, type RuleSample } from '../../src/warnings/model.ts';
import { restartNote } from '../../src/warnings/restart-rule.ts';
import { DEFAULT_WARNING_SETTINGS } from '../../src/warnings/settings.ts';
import { evaluateSample, type RuleContext } from '../../src/warnings/transition.ts';

const ctx: RuleContext = { calendar: compileCalendar({ holidays: [] }), settings: DEFAULT_WARNING_SETTINGS };
const monitor: MonitorRuleInput = {
  id: 7,
  name: 'md-gw',
  hostServerId: 3,
  hostName: 'sh-01',
  active: true,
  monitorStartTime: null,
  monitorEndTime: null,
  sessionWindows: [],
  cpuThresholdPercent: null,
  memoryThresholdPercent: null,
  memoryThresholdMb: null,
  mutes: [],
};

const ev = (kind: string, message: string | null = null) => ({ kind, action: 'md', attempt: 2, message });

describe('restart rule (pure, table-driven)', () => {
  const table: [string, ReturnType<typeof ev>, OpsWarningType[], OpsWarningType | null, string][] = [
    [
      'restart on an open crash',
      ev('RESTARTED'),
      ['PROCESS_CRASHED'],
      'PROCESS_CRASHED',
      'Restarted by procwatch',
    ],
    ['restart on not running', ev('RESTARTED'), ['PROCESS_NOT_RUNNING'], 'PROCESS_NOT_RUNNING', 'attempt 2'],
    ['restart with nothing open', ev('RESTARTED'), [], 'PROCESS_CRASHED', 'action "md"'],
    ['failure', ev('RESTART_FAILED', 'exited with code 1'), [], 'PROCESS_NOT_RUNNING', 'exited with code 1'],
    [
      'limit on a crash',
      ev('RESTART_LIMIT_REACHED', 'restart limit reached: 3 restarts in 10 min (max 3)'),
      ['PROCESS_CRASHED'],
      'PROCESS_CRASHED',
      'restart limit reached: 3 restarts',
    ],
    ['limit without text', ev('RESTART_LIMIT_REACHED'), [], 'PROCESS_NOT_RUNNING', 'restart limit reached'],
    [
      'deferred for a dependency',
      ev('RESTART_DEFERRED', 'waiting for its dependency "feed" (#3) to be up before restarting'),
      ['PROCESS_CRASHED'],
      'PROCESS_CRASHED',
      'Not restarted yet: waiting for its dependency "feed"',
    ],
    ['unknown kind', ev('REBOOTED'), ['PROCESS_CRASHED'], null, ''],
  ];
  it.each(table)('%s', (_name, event, open, type, text) => {
    const note = restartNote(monitor, event, new Set(open));
    if (type === null) return expect(note).toBeNull();
    expect(note?.type).toBe(type);
    expect(note?.message).toContain(text);
  });

  it('appends the note to the open CRASHED warning, which then resolves as the process runs again', () => {
    const t0 = new Date('2026-11-30T02:00:00Z');
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    const sample = (
      s: number,
      status: 'RUNNING' | 'NOT_FOUND',
      pid: number | null,
      extra = {},
    ): RuleSample => ({
      status,
      checkedAt: at(s),
      pid,
      startTime: pid === null ? null : at(s - 1),
      cpuPercent: 1,
      memoryPercent: 1,
      memoryUsedMb: 10,
      errorMessage: null,
      ...extra,
    });
    let state = evaluateSample(INITIAL_ENGINE_STATE, sample(0, 'RUNNING', 10), monitor, ctx, at(0)).state;
    const down = evaluateSample(state, sample(1, 'NOT_FOUND', null), monitor, ctx, at(1));
    expect(down.actions).toMatchObject([{ kind: 'raise', type: 'PROCESS_CRASHED' }]);
    state = down.state;
    const back = evaluateSample(
      state,
      sample(3, 'RUNNING', 11, { restartEvents: [ev('RESTARTED')] }),
      monitor,
      ctx,
      at(3),
    );
    expect(back.actions[0]).toMatchObject({ kind: 'raise', type: 'PROCESS_CRASHED', append: true });
    expect(back.actions[0]?.kind === 'raise' && back.actions[0].message).toContain('Restarted by procwatch');
  });
});
