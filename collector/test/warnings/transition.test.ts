import { compileCalendar, type ProcessStatusType } from '@procwatch/shared';
import { describe, expect, it } from 'vitest';
import { evaluateAgentOffline, type HostRuleInput } from '../../src/warnings/agent-offline.ts';
import {
  INITIAL_ENGINE_STATE,
  type MonitorEngineState,
  type MonitorRuleInput,
  type RuleSample,
  type WarningAction,
} from '../../src/warnings/model.ts';
import { DEFAULT_WARNING_SETTINGS } from '../../src/warnings/settings.ts';
import { evaluateSample, evaluateSchedule, type RuleContext } from '../../src/warnings/transition.ts';

const calendar = compileCalendar({ holidays: ['2026-10-01', '2026-10-02', '2026-10-05'] });
const ctx: RuleContext = { calendar, settings: DEFAULT_WARNING_SETTINGS };

const monitor: MonitorRuleInput = {
  id: 7,
  name: 'trader-001',
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
const futures: MonitorRuleInput = { ...monitor, sessionWindows: ['08:45-15:30', '20:45-02:35'] };

/** A compact sample: status letter (R/N/S/E), pid, optional cpu/mem, at a local Shanghai time. */
interface Step {
  at: string;
  s: 'R' | 'N' | 'S' | 'E';
  pid?: number;
  start?: string;
  cpu?: number;
  memPct?: number;
  memMb?: number;
}

const STATUS: Record<Step['s'], ProcessStatusType> = {
  R: 'RUNNING',
  N: 'NOT_FOUND',
  S: 'STOPPED',
  E: 'ERROR',
};

function sample(step: Step): RuleSample {
  const running = step.s === 'R' || step.s === 'S';
  const pid = running ? (step.pid ?? 100) : null;
  return {
    status: STATUS[step.s],
    checkedAt: new Date(`${step.at}+08:00`),
    pid,
    startTime: running ? new Date(step.start ?? `2026-03-04T08:00:00+08:00`) : null,
    cpuPercent: step.s === 'R' ? (step.cpu ?? 1) : null,
    memoryPercent: step.s === 'R' ? (step.memPct ?? 1) : null,
    memoryUsedMb: step.s === 'R' ? (step.memMb ?? 10) : null,
    errorMessage: step.s === 'E' ? 'ssh: connection refused' : null,
  };
}

/** Runs steps through the rules; a step `{ tick: time }` runs the schedule job instead of a sample. */
function run(
  m: MonitorRuleInput,
  steps: (Step | { tick: string })[],
  from: MonitorEngineState = INITIAL_ENGINE_STATE,
) {
  let state = from;
  const actions: WarningAction[] = [];
  for (const step of steps) {
    const t =
      'tick' in step
        ? evaluateSchedule(state, m, ctx, new Date(`${step.tick}+08:00`))
        : evaluateSample(state, sample(step), m, ctx, new Date(`${step.at}+08:00`));
    state = t.state;
    actions.push(...t.actions);
  }
  return { state, actions, summary: actions.map((a) => `${a.kind} ${a.type}`) };
}

// Wednesday 2026-03-04, a trading day; seconds step the clock.
const d = (hhmmss: string) => `2026-03-04T${hhmmss}`;

describe('process rules', () => {
  it.each<[string, MonitorRuleInput, Step[], string[]]>([
    [
      'steady running raises nothing',
      monitor,
      [
        { at: d('10:00:00'), s: 'R' },
        { at: d('10:00:05'), s: 'R' },
      ],
      [],
    ],
    [
      'never seen running: NOT_RUNNING, repeats bump the same warning',
      monitor,
      [
        { at: d('10:00:00'), s: 'N' },
        { at: d('10:00:05'), s: 'S', pid: 5 },
      ],
      ['raise PROCESS_NOT_RUNNING', 'raise PROCESS_NOT_RUNNING'],
    ],
    [
      'running then gone: CRASHED (not also NOT_RUNNING); resolved after 2 healthy samples',
      monitor,
      [
        { at: d('10:00:00'), s: 'R' },
        { at: d('10:00:05'), s: 'N' },
        { at: d('10:00:10'), s: 'N' },
        { at: d('10:00:15'), s: 'R', pid: 200 },
        { at: d('10:00:20'), s: 'R', pid: 200 },
      ],
      ['raise PROCESS_CRASHED', 'raise PROCESS_CRASHED', 'resolve PROCESS_CRASHED'],
    ],
    [
      'restart between checks: new pid',
      monitor,
      [
        { at: d('10:00:00'), s: 'R', pid: 100 },
        { at: d('10:00:05'), s: 'R', pid: 101 },
        { at: d('10:00:10'), s: 'R', pid: 101 },
      ],
      ['raise PROCESS_CRASHED', 'resolve PROCESS_CRASHED'],
    ],
    [
      'restart between checks: same pid, new start time',
      monitor,
      [
        { at: d('10:00:00'), s: 'R', pid: 100 },
        { at: d('10:00:05'), s: 'R', pid: 100, start: '2026-03-04T10:00:03+08:00' },
      ],
      ['raise PROCESS_CRASHED'],
    ],
    [
      'SIGSTOP then SIGCONT is not a restart',
      monitor,
      [
        { at: d('10:00:00'), s: 'R', pid: 100 },
        { at: d('10:00:05'), s: 'S', pid: 100 },
        { at: d('10:00:10'), s: 'R', pid: 100 },
        { at: d('10:00:15'), s: 'R', pid: 100 },
      ],
      ['raise PROCESS_CRASHED', 'resolve PROCESS_CRASHED'],
    ],
    [
      'flapping keeps one warning open and bumps it',
      monitor,
      [
        { at: d('10:00:00'), s: 'R', pid: 1 },
        { at: d('10:00:05'), s: 'N' },
        { at: d('10:00:10'), s: 'R', pid: 2 },
        { at: d('10:00:15'), s: 'N' },
        { at: d('10:00:20'), s: 'R', pid: 3 },
        { at: d('10:00:25'), s: 'R', pid: 4 },
        { at: d('10:00:30'), s: 'R', pid: 4 },
        { at: d('10:00:35'), s: 'R', pid: 4 },
      ],
      ['raise PROCESS_CRASHED', 'raise PROCESS_CRASHED', 'raise PROCESS_CRASHED', 'resolve PROCESS_CRASHED'],
    ],
    [
      'ERROR: CHECK_FAILED; an error between two samples neither crashes nor restarts',
      monitor,
      [
        { at: d('10:00:00'), s: 'R', pid: 1 },
        { at: d('10:00:05'), s: 'E' },
        { at: d('10:00:10'), s: 'E' },
        { at: d('10:00:15'), s: 'R', pid: 1 },
        { at: d('10:00:20'), s: 'R', pid: 1 },
      ],
      ['raise PROCESS_CHECK_FAILED', 'raise PROCESS_CHECK_FAILED', 'resolve PROCESS_CHECK_FAILED'],
    ],
    [
      'a late sample (checked_at not after the last) changes nothing',
      monitor,
      [
        { at: d('10:00:10'), s: 'R' },
        { at: d('10:00:05'), s: 'N' },
        { at: d('10:00:10'), s: 'N' },
      ],
      [],
    ],
    [
      'outside the session windows a crash raises nothing',
      futures,
      [
        { at: d('16:00:00'), s: 'R' },
        { at: d('16:00:05'), s: 'N' },
        { at: d('16:00:10'), s: 'R', pid: 9 },
        { at: d('16:00:15'), s: 'R', pid: 10 },
      ],
      [],
    ],
    [
      'inside the day session a crash is raised',
      futures,
      [
        { at: d('09:00:00'), s: 'R' },
        { at: d('09:00:05'), s: 'N' },
      ],
      ['raise PROCESS_CRASHED'],
    ],
    [
      'a window crossing midnight: Thursday 01:00 belongs to Wednesday night, 03:00 to nothing',
      futures,
      [
        { at: '2026-03-05T00:59:55', s: 'R' },
        { at: '2026-03-05T01:00:00', s: 'N' },
        { at: '2026-03-05T03:00:00', s: 'N' },
      ],
      ['raise PROCESS_CRASHED', 'resolve PROCESS_CRASHED'],
    ],
    [
      'Saturday 01:00 is still in the Friday night session',
      futures,
      [{ at: '2026-03-07T01:00:00', s: 'N' }],
      ['raise PROCESS_NOT_RUNNING'],
    ],
    ['a holiday raises nothing', futures, [{ at: '2026-10-05T10:00:00', s: 'N' }], []],
    ['Saturday daytime raises nothing', futures, [{ at: '2026-03-07T10:00:00', s: 'N' }], []],
    [
      'monitor_start_time..monitor_end_time bound the expectation',
      {
        ...monitor,
        monitorStartTime: new Date('2026-03-04T10:00:00+08:00'),
        monitorEndTime: new Date('2026-03-04T11:00:00+08:00'),
      },
      [
        { at: d('09:59:00'), s: 'N' },
        { at: d('10:00:00'), s: 'N' },
        { at: d('11:00:00'), s: 'N' },
      ],
      ['raise PROCESS_NOT_RUNNING', 'resolve PROCESS_NOT_RUNNING'],
    ],
    [
      'an inactive monitor raises nothing',
      { ...monitor, active: false },
      [{ at: d('10:00:00'), s: 'N' }],
      [],
    ],
    [
      'a mute suppresses, and resolves what is open',
      {
        ...monitor,
        mutes: [
          { startsAt: new Date('2026-03-04T10:00:03+08:00'), until: new Date('2026-03-04T10:30:00+08:00') },
        ],
      },
      [
        { at: d('10:00:00'), s: 'N' },
        { at: d('10:00:05'), s: 'N' },
        { at: d('10:00:10'), s: 'E' },
        { at: d('10:00:15'), s: 'R', cpu: 500 },
        { at: d('10:00:20'), s: 'R', cpu: 500 },
        { at: d('10:00:25'), s: 'R', cpu: 500 },
        { at: d('10:30:00'), s: 'N' },
      ],
      // Muted: no CHECK_FAILED, no HIGH_CPU; after the mute the crash of the (then running) process counts.
      ['raise PROCESS_NOT_RUNNING', 'resolve PROCESS_NOT_RUNNING', 'raise PROCESS_CRASHED'],
    ],
  ])('%s', (_label, m, steps, expected) => {
    expect(run(m, steps).summary).toEqual(expected);
  });

  it('says which kind of crash, with old and new pid', () => {
    const restarted = run(monitor, [
      { at: d('10:00:00'), s: 'R', pid: 100 },
      { at: d('10:00:05'), s: 'R', pid: 101 },
    ]).actions[0];
    expect(restarted).toMatchObject({
      kind: 'raise',
      type: 'PROCESS_CRASHED',
      title: 'trader-001 on sh-01: restarted between checks',
      details: { reason: 'restarted', previous_pid: 100, pid: 101 },
    });
    expect(restarted?.kind === 'raise' && restarted.message).toMatch(/was pid 100 .*now pid 101/);

    const vanished = run(monitor, [
      { at: d('10:00:00'), s: 'R', pid: 100 },
      { at: d('10:00:05'), s: 'N' },
    ]).actions[0];
    expect(vanished).toMatchObject({ kind: 'raise', title: 'trader-001 on sh-01: crashed' });
    expect(vanished?.kind === 'raise' && vanished.message).toMatch(
      /was running \(pid 100\) and is now not found/,
    );
  });
});

describe('resource rules with hysteresis', () => {
  const cpu = (values: number[]) =>
    values.map((v, i): Step => ({ at: d(`10:00:${String(i * 2).padStart(2, '0')}`), s: 'R', cpu: v }));

  it.each<[string, MonitorRuleInput, number[], string[]]>([
    ['two high samples are not enough', monitor, [95, 95, 10], []],
    ['three high samples raise', monitor, [95, 95, 95], ['raise PROCESS_HIGH_CPU']],
    [
      'more high samples bump',
      monitor,
      [95, 95, 95, 99],
      ['raise PROCESS_HIGH_CPU', 'raise PROCESS_HIGH_CPU'],
    ],
    ['a reading in the band breaks the run', monitor, [95, 95, 85, 95, 95], []],
    [
      'in the band (81-90) nothing clears; three below 81 resolve',
      monitor,
      [95, 95, 95, 85, 85, 85, 85, 80, 80, 80],
      ['raise PROCESS_HIGH_CPU', 'resolve PROCESS_HIGH_CPU'],
    ],
    [
      'a high reading interrupts the recovery run',
      monitor,
      [95, 95, 95, 50, 50, 95, 50, 50, 50],
      ['raise PROCESS_HIGH_CPU', 'raise PROCESS_HIGH_CPU', 'resolve PROCESS_HIGH_CPU'],
    ],
    [
      'a per-monitor threshold wins over the default',
      { ...monitor, cpuThresholdPercent: 300 },
      [250, 250, 250],
      [],
    ],
    [
      'a per-monitor threshold above one core',
      { ...monitor, cpuThresholdPercent: 300 },
      [350, 350, 350],
      ['raise PROCESS_HIGH_CPU'],
    ],
  ])('%s', (_label, m, values, expected) => {
    expect(run(m, cpu(values)).summary).toEqual(expected);
  });

  it('memory: above the MB limit or the % limit; resolved below both margins', () => {
    const m = { ...monitor, memoryThresholdMb: 1000 };
    const steps: Step[] = [1200, 1200, 1200, 950, 850, 850, 850].map((mb, i) => ({
      at: d(`11:00:0${i}`),
      s: 'R',
      memMb: mb,
      memPct: 5,
    }));
    const { summary, actions } = run(m, steps);
    expect(summary).toEqual(['raise PROCESS_HIGH_MEMORY', 'resolve PROCESS_HIGH_MEMORY']);
    expect(actions[0]).toMatchObject({ title: 'trader-001 on sh-01: high memory' });
    expect(
      run(
        monitor,
        [81, 81, 81].map((p, i): Step => ({ at: d(`11:00:0${i}`), s: 'R', memPct: p })),
      ).summary,
    ).toEqual(['raise PROCESS_HIGH_MEMORY']);
  });

  it('a process that stops resolves its resource warnings', () => {
    expect(run(monitor, [...cpu([95, 95, 95]), { at: d('10:01:00'), s: 'N' }]).summary).toEqual([
      'raise PROCESS_HIGH_CPU',
      'raise PROCESS_CRASHED',
      'resolve PROCESS_HIGH_CPU',
    ]);
  });
});

describe('schedule job (window opening catch-up)', () => {
  it.each<[string, MonitorRuleInput, (Step | { tick: string })[], string[]]>([
    [
      'window opens with the process down: raised at once',
      futures,
      [
        { at: d('08:40:00'), s: 'N' },
        { tick: d('08:44:59') },
        { tick: d('08:45:00') },
        { tick: d('08:45:05') },
      ],
      ['raise PROCESS_NOT_RUNNING'],
    ],
    [
      'window opens with the process running: nothing',
      futures,
      [{ at: d('08:40:00'), s: 'R' }, { tick: d('08:45:00') }],
      [],
    ],
    [
      'window closes: the open warning is resolved',
      futures,
      [{ at: d('15:00:00'), s: 'N' }, { tick: d('15:29:59') }, { tick: d('15:30:00') }],
      ['raise PROCESS_NOT_RUNNING', 'resolve PROCESS_NOT_RUNNING'],
    ],
    [
      'night window opening on a trading evening',
      futures,
      [{ at: d('20:40:00'), s: 'N' }, { tick: d('20:45:01') }],
      ['raise PROCESS_NOT_RUNNING'],
    ],
    [
      'no window opens on a holiday',
      futures,
      [
        { at: '2026-10-05T08:40:00', s: 'N' },
        { tick: '2026-10-05T08:45:00' },
        { tick: '2026-10-05T20:45:00' },
      ],
      [],
    ],
    [
      'a mute ending with the process down raises',
      {
        ...monitor,
        mutes: [
          { startsAt: new Date('2026-03-04T09:00:00+08:00'), until: new Date('2026-03-04T10:00:00+08:00') },
        ],
      },
      [{ at: d('09:30:00'), s: 'N' }, { tick: d('09:59:00') }, { tick: d('10:00:00') }],
      ['raise PROCESS_NOT_RUNNING'],
    ],
    [
      'a late sample from before the opening does not undo the catch-up',
      futures,
      [{ at: d('08:40:00'), s: 'N' }, { tick: d('08:45:01') }, { at: d('08:44:58'), s: 'N' }],
      ['raise PROCESS_NOT_RUNNING', 'raise PROCESS_NOT_RUNNING'],
    ],
    ['a monitor never sampled raises nothing', futures, [{ tick: d('08:45:00') }], []],
  ])('%s', (_label, m, steps, expected) => {
    expect(run(m, steps).summary).toEqual(expected);
  });

  it('says it is a catch-up, with the last check', () => {
    const { actions } = run(futures, [{ at: d('08:40:00'), s: 'N' }, { tick: d('08:45:00') }]);
    expect(actions[0]).toMatchObject({
      kind: 'raise',
      at: new Date('2026-03-04T08:45:00+08:00'),
      details: { reason: 'window opened', checked_at: '2026-03-04T00:40:00.000Z' },
    });
  });
});

describe('a down dependency', () => {
  const dependent: MonitorRuleInput = {
    ...monitor,
    dependencyCause: { id: 3, name: 'md-feed', hostName: 'sh-02', directId: 5, directName: 'bridge' },
  };
  const held = (actions: readonly WarningAction[]) =>
    actions.map((a) => `${a.kind} ${a.type}${a.kind === 'raise' && a.suppressedBy ? ' held' : ''}`);

  it('holds every process warning it explains, and no failed check', () => {
    const { actions } = run(dependent, [
      { at: d('10:00:00'), s: 'R', cpu: 500 },
      { at: d('10:00:05'), s: 'R', cpu: 500 },
      { at: d('10:00:10'), s: 'R', cpu: 500 },
      { at: d('10:00:15'), s: 'N' },
      { at: d('10:00:20'), s: 'E' },
    ]);
    expect(held(actions)).toEqual([
      'raise PROCESS_HIGH_CPU held',
      'raise PROCESS_CRASHED held',
      'resolve PROCESS_HIGH_CPU',
      'raise PROCESS_CHECK_FAILED',
    ]);
    expect(actions[1]).toMatchObject({
      suppressedBy: { id: 3, name: 'md-feed' },
      details: { caused_by: { id: 3, direct_id: 5, direct_name: 'bridge', host: 'sh-02' } },
    });
    expect(actions[1]?.kind === 'raise' && actions[1].message).toMatch(
      /Caused by its dependency md-feed on sh-02 \(through bridge\), which is down/,
    );
  });

  it('holds the NOT_RUNNING a window opening raises', () => {
    const { actions } = run({ ...futures, dependencyCause: dependent.dependencyCause }, [
      { at: d('08:40:00'), s: 'N' },
      { tick: d('08:45:00') },
    ]);
    expect(held(actions)).toEqual(['raise PROCESS_NOT_RUNNING held']);
  });

  it('changes nothing without one', () => {
    const { actions } = run(monitor, [
      { at: d('10:00:00'), s: 'R' },
      { at: d('10:00:05'), s: 'N' },
    ]);
    expect(held(actions)).toEqual(['raise PROCESS_CRASHED']);
  });
});

describe('AGENT_OFFLINE', () => {
  const host: HostRuleInput = {
    id: 1,
    name: 'sh-01',
    active: true,
    lastHeartbeatAt: new Date('2026-03-04T10:00:00Z'),
    heartbeatTimeoutSeconds: 45,
    mutes: [],
  };
  const at = (s: number) => new Date(Date.parse('2026-03-04T10:00:00Z') + s * 1000);

  it.each<[string, HostRuleInput, boolean, number, string | null]>([
    ['fresh heartbeat, nothing open', host, false, 30, null],
    ['at the timeout exactly: still online', host, false, 45, null],
    ['past the timeout: raise', host, false, 46, 'raise'],
    ['past the timeout, already open: nothing more', host, true, 100, null],
    ['heartbeats back while open: resolve', host, true, 10, 'resolve'],
    ['never reported: no agent, nothing', { ...host, lastHeartbeatAt: null }, false, 1000, null],
    ['inactive host with an open warning: resolve', { ...host, active: false }, true, 1000, 'resolve'],
    ['muted: not raised', { ...host, mutes: [{ startsAt: at(0), until: at(3600) }] }, false, 100, null],
    [
      'muted while open: resolved',
      { ...host, mutes: [{ startsAt: at(0), until: at(3600) }] },
      true,
      100,
      'resolve',
    ],
  ])('%s', (_label, h, open, seconds, expected) => {
    expect(evaluateAgentOffline(h, open, at(seconds))?.kind ?? null).toBe(expected);
  });
});
