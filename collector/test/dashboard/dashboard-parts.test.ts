import type { HistoryItem, Warning } from '@procwatch/shared';
import { describe, expect, it } from 'vitest';
import {
  formatAgo,
  formatDuration,
  formatInstant,
  formatMegabytes,
  formatPercent,
} from '../../src/dashboard/format.ts';
import {
  isoToLocalDateTime,
  localDateTimeToIso,
  pickForm,
  readHostForm,
  readMonitorForm,
} from '../../src/dashboard/forms.ts';
import { findLifeEvents } from '../../src/dashboard/history-events.ts';
import { probeInputOf, readProbeInput } from '../../src/dashboard/probe-input.ts';
import { safeNext, sameOrigin } from '../../src/dashboard/security.ts';
import { SessionStore } from '../../src/dashboard/session.ts';
import { chartGeometry, niceCeiling } from '../../src/dashboard/views/chart-geometry.ts';
import { splitHeld, warningCause } from '../../src/dashboard/warning-cause.ts';

const TZ = 'Asia/Shanghai';

describe('format', () => {
  it('formats values as operators read them', () => {
    expect(formatPercent(3.12)).toBe('3.1 %');
    expect(formatPercent(42.6)).toBe('43 %');
    expect(formatPercent(null)).toBe('–');
    expect(formatMegabytes(812.4)).toBe('812 MB');
    expect(formatMegabytes(2048)).toBe('2.0 GB');
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 5)).toBe('3d 4h');
    expect(formatDuration(3725)).toBe('1h 2m');
    expect(formatAgo('2026-03-16T01:00:00Z', new Date('2026-03-16T01:02:05Z'))).toBe('2m 5s ago');
    expect(formatAgo(null, new Date())).toBe('never');
    expect(formatInstant('2026-03-16T01:02:03Z', TZ)).toBe('2026-03-16 09:02:03');
  });
});

describe('chart geometry', () => {
  const frame = { width: 200, height: 100, padLeft: 0, padRight: 0, padTop: 0, padBottom: 0 };
  it('scales to a nice ceiling and breaks lines at gaps', () => {
    expect(niceCeiling(73)).toBe(100);
    expect(niceCeiling(0.3)).toBe(0.5);
    const g = chartGeometry(
      [
        { t: 0, v: 0 },
        { t: 100, v: 50 },
        { t: 200, v: null },
        { t: 300, v: 100 },
        { t: 400, v: 100 },
      ],
      frame,
    );
    expect(g.yMax).toBe(100);
    expect(g.segments).toEqual(['0,100 50,50', '150,0 200,0']);
    expect(g.yTicks.map((t) => t.value)).toEqual([0, 50, 100]);
  });
  it('places restart markers inside the range only', () => {
    const g = chartGeometry(
      [
        { t: 0, v: 1 },
        { t: 1000, v: 2 },
      ],
      frame,
      { markers: [-5, 500, 2000] },
    );
    expect(g.markers).toEqual([{ x: 100, t: 500 }]);
  });
  it('rounds the scale in the given unit (uptime in hours)', () => {
    const g = chartGeometry([{ t: 0, v: 3 * 3600 + 17 }], frame, { yUnit: 3600 });
    expect(g.yMax).toBe(5 * 3600);
  });
  it('draws nothing without values', () => {
    expect(chartGeometry([{ t: 1, v: null }], frame).segments).toEqual([]);
  });
});

describe('forms', () => {
  const monitor = {
    name: 'XTP trader 001',
    hostServerId: '3',
    process_type: 'TRADER',
    fundAccountId: 'account001',
    process_name: '',
    command_pattern: 'trader_tools.*account001',
    pid_file: '',
    check_interval: '30',
    monitor_start_time: '2026-03-16T08:30',
    monitor_end_time: '',
    session_windows: '08:45-15:30, 20:45-02:35',
    cpu_threshold_percent: '',
    memory_threshold_percent: '80',
    memory_threshold_mb: '',
    remark: '',
    active: 'on',
  };

  it('turns a monitor form into an API body, times in the exchange zone', () => {
    const read = readMonitorForm(monitor, TZ);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.body).toMatchObject({
      name: 'XTP trader 001',
      hostServerId: 3,
      process_name: null,
      check_interval: 30,
      monitor_start_time: '2026-03-16T00:30:00.000Z',
      monitor_end_time: null,
      session_windows: ['08:45-15:30', '20:45-02:35'],
      memory_threshold_percent: 80,
      cpu_threshold_percent: null,
      active: true,
    });
  });

  it('names each bad field with the shared schema messages', () => {
    const read = readMonitorForm(
      {
        ...monitor,
        fundAccountId: '',
        command_pattern: '([unclosed',
        check_interval: 'often',
        session_windows: '25:00-26:00',
      },
      TZ,
    );
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(Object.keys(read.errors).sort()).toEqual([
      'check_interval',
      'command_pattern',
      'fundAccountId',
      'session_windows',
    ]);
    expect(read.errors.command_pattern).toMatch(/regular expression/);
    expect(read.errors.fundAccountId).toMatch(/TRADER/);
  });

  it('requires a host and one selector', () => {
    const read = readMonitorForm({ name: 'x', process_type: 'CUSTOM' }, TZ);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.errors.hostServerId).toBe('choose a host');
    expect(read.errors.process_name).toMatch(/at least one/);
  });

  it('reads restart action, log file, probe and dependencies into the API body', () => {
    const read = readMonitorForm(
      {
        ...monitor,
        restart_action: 'restart-md',
        log_file: ' /var/log/md/md.log ',
        probe_kind: 'http',
        probe_target: 'http://127.0.0.1:8080/health',
        probe_expected_status: '204',
        probe_timeout_ms: '',
        probe_failures: '5',
        depends_on: '3,5',
      },
      TZ,
    );
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.body).toMatchObject({
      restart_action: 'restart-md',
      log_file: '/var/log/md/md.log',
      probe: { kind: 'http', url: 'http://127.0.0.1:8080/health', expected_status: 204, failures: 5 },
      depends_on: [3, 5],
    });
    // Empty values clear the fields (an edit sends the whole record).
    const cleared = readMonitorForm({ ...monitor, probe_kind: 'none', probe_target: 'left over' }, TZ);
    expect(cleared).toMatchObject({
      ok: true,
      body: { restart_action: null, log_file: null, probe: null, depends_on: [] },
    });
  });

  it('puts each bad part of the new fields beside its own field', () => {
    const read = readMonitorForm(
      {
        ...monitor,
        restart_action: 'rm -rf /',
        log_file: 'relative/md.log',
        probe_kind: 'tcp',
        probe_target: '127.0.0.1:70000',
        probe_timeout_ms: '10',
        probe_failures: 'many',
        depends_on: '3,3',
      },
      TZ,
    );
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.errors).toMatchObject({
      restart_action: expect.stringMatching(/letters, digits/),
      log_file: 'must be an absolute path',
      probe_target: expect.stringMatching(/^port too big/),
      probe_timeout_ms: expect.stringMatching(/100/),
      probe_failures: 'must be a number',
      depends_on: 'must not name a monitor twice',
    });
    const notIds = readMonitorForm({ ...monitor, depends_on: '3,feed' }, TZ);
    expect(notIds.ok || notIds.errors.depends_on).toBe('must be monitor ids separated by commas');
    const http = readMonitorForm({ ...monitor, probe_kind: 'http', probe_target: 'ftp://x/' }, TZ);
    expect(http.ok || http.errors.probe_target).toMatch(/http:\/\/ or https:\/\//);
    const userinfo = readMonitorForm(
      { ...monitor, probe_kind: 'http', probe_target: 'http://u:p@127.0.0.1/' },
      TZ,
    );
    expect(userinfo.ok || userinfo.errors.probe_target).toMatch(/user name or password/);
  });

  it('reads probe targets as people type them', () => {
    expect(readProbeInput({ kind: 'tcp', target: '10.0.0.5:9000' })).toEqual({
      probe: { kind: 'tcp', host: '10.0.0.5', port: 9000 },
      errors: {},
    });
    expect(readProbeInput({ kind: 'TCP', target: '[::1]:9000', expected_status: '200' })).toEqual({
      probe: { kind: 'tcp', host: '::1', port: 9000 },
      errors: {},
    });
    for (const target of ['10.0.0.5', '10.0.0.5:', ':9000', '10.0.0.5:port', '', undefined]) {
      expect(readProbeInput({ kind: 'tcp', target }).errors, String(target)).toEqual({
        target: expect.stringMatching(/host:port/),
      });
    }
    expect(readProbeInput({ kind: 'udp', target: 'x:1' }).errors).toEqual({
      kind: 'must be none, tcp or http',
    });
    expect(readProbeInput({})).toEqual({ probe: null, errors: {} });
    // What an edit form shows for a stored probe reads back to the same probe.
    for (const stored of [
      { kind: 'tcp', host: '::1', port: 9000, timeout_ms: 2000, failures: 3 },
      { kind: 'http', url: 'https://md/health', expected_status: 204, timeout_ms: 500, failures: 1 },
    ] as const) {
      expect(readProbeInput(probeInputOf(stored))).toEqual({ probe: stored, errors: {} });
    }
  });

  it('keeps a multi-select as one comma-separated value, other repeated fields as the last one', () => {
    expect(
      pickForm(
        { depends_on: ['3', '5'], name: ['a', 'b'], file: new Blob() },
        ['depends_on', 'name', 'file'],
        ['depends_on'],
      ),
    ).toEqual({ depends_on: '3,5', name: 'b' });
    expect(pickForm({ depends_on: '7' }, ['depends_on'], ['depends_on'])).toEqual({ depends_on: '7' });
  });

  it('round-trips datetime-local values', () => {
    const iso = localDateTimeToIso('2026-03-16T21:05', TZ);
    expect(iso).toBe('2026-03-16T13:05:00.000Z');
    expect(isoToLocalDateTime(iso as string, TZ)).toBe('2026-03-16T21:05');
    expect(localDateTimeToIso('tomorrow', TZ)).toBeInstanceOf(Error);
  });

  it('validates a host form', () => {
    expect(readHostForm({ name: 'h1', address: '10.0.0.1', ssh_port: '22', active: 'on' })).toMatchObject({
      ok: true,
      body: { name: 'h1', address: '10.0.0.1', ssh_port: 22, active: true },
    });
    const bad = readHostForm({ name: '', address: '-oProxyCommand=x', ssh_port: '70000' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(Object.keys(bad.errors).sort()).toEqual(['address', 'name', 'ssh_port']);
  });
});

describe('warning causes', () => {
  const warning = (fields: Partial<Warning>): Warning => ({
    id: 1,
    type: 'PROCESS_CRASHED',
    status: 'OPEN',
    hostServerId: 2,
    host_name: 'trade-01',
    processMonitorId: 7,
    monitor_name: 'trader-a',
    dedup_key: 'k',
    title: 't',
    message: 'm',
    details: null,
    count: 1,
    first_seen_at: '2026-03-16T01:00:00Z',
    last_seen_at: '2026-03-16T01:00:00Z',
    acknowledged_at: null,
    acknowledged_by: null,
    ack_note: null,
    resolved_at: null,
    resolve_reason: null,
    reminder_count: 0,
    suppressed_by: null,
    suppressed_by_name: null,
    createdAt: '2026-03-16T01:00:00Z',
    updatedAt: '2026-03-16T01:00:00Z',
    ...fields,
  });
  const causedBy = { id: 3, name: 'md-feed', host: 'md-01', direct_id: 5, direct_name: 'gateway' };

  it('names the dependency that holds a warning, and the one it came through', () => {
    expect(
      warningCause(
        warning({ suppressed_by: 3, suppressed_by_name: 'md-feed', details: { caused_by: causedBy } }),
      ),
    ).toEqual({ id: 3, name: 'md-feed', host: 'md-01', through: 'gateway', held: true });
    // Held without details of the cause (or details of another one): the name alone.
    expect(
      warningCause(warning({ suppressed_by: 4, suppressed_by_name: 'x', details: { caused_by: causedBy } })),
    ).toEqual({ id: 4, name: 'x', host: null, through: null, held: true });
    // Released: the cause at opening, no longer held.
    expect(warningCause(warning({ details: { caused_by: { ...causedBy, direct_id: 3 } } }))).toEqual({
      id: 3,
      name: 'md-feed',
      host: 'md-01',
      through: null,
      held: false,
    });
    expect(warningCause(warning({ details: { caused_by: 'garbage' } }))).toBeNull();
    expect(warningCause(warning({}))).toBeNull();
  });

  it('splits open warnings into those for people and those held', () => {
    const own = warning({ id: 1 });
    const held = warning({ id: 2, suppressed_by: 3 });
    expect(splitHeld([own, held])).toEqual({ open: [own], held: [held] });
  });
});

describe('life events', () => {
  const item = (
    at: string,
    status: HistoryItem['status'],
    pid: number | null,
    start: string | null,
  ): HistoryItem => ({
    id: 1,
    processMonitorId: 1,
    status,
    pid,
    cpu_percent: null,
    memory_percent: null,
    memory_used_mb: null,
    uptime_seconds: null,
    start_time: start,
    trade_day: '20260316',
    checked_at: at,
    check_duration_ms: null,
    error_message: null,
    sample_id: '00000000-0000-4000-8000-000000000000',
    source: 'AGENT',
    seq: null,
    process_count: status === 'RUNNING' ? 1 : 0,
    matches: null,
    createdAt: at,
  });
  it('finds restarts between checks, outages and returns; ignores ERROR', () => {
    const events = findLifeEvents([
      item('2026-03-16T01:00:05Z', 'RUNNING', 30, '2026-03-16T01:00:01Z'),
      item('2026-03-16T01:00:04Z', 'NOT_FOUND', null, null),
      item('2026-03-16T01:00:03Z', 'ERROR', null, null),
      item('2026-03-16T01:00:02Z', 'RUNNING', 20, '2026-03-16T00:59:00Z'),
      item('2026-03-16T01:00:01Z', 'RUNNING', 10, '2026-03-16T00:00:00Z'),
      item('2026-03-16T01:00:00Z', 'RUNNING', 10, '2026-03-16T00:00:00Z'),
    ]);
    expect(events.map((e) => [e.kind, e.fromPid, e.toPid])).toEqual([
      ['restarted', 10, 20],
      ['went down', 20, null],
      ['came back', null, 30],
    ]);
  });
});

describe('sessions and request checks', () => {
  it('expires sessions when idle and at the absolute limit, and evicts the least recently used', () => {
    let now = 0;
    const store = new SessionStore({ idleMs: 100, absoluteMs: 250, maxSessions: 2 }, () => now);
    const a = store.create('token-a');
    now = 90;
    expect(store.get(a.id)?.apiToken).toBe('token-a');
    now = 180;
    expect(store.get(a.id)).toBeDefined();
    now = 260;
    expect(store.get(a.id)).toBeUndefined();
    const b = store.create('b');
    const c = store.create('c');
    store.get(b.id);
    store.create('d');
    expect(store.get(c.id)).toBeUndefined();
    expect(store.get(b.id)).toBeDefined();
    expect(store.get('not-a-session')).toBeUndefined();
  });

  it('returns only to dashboard pages after login', () => {
    expect(safeNext('/ui', '/ui/monitors?host=1')).toBe('/ui/monitors?host=1');
    for (const bad of [
      'https://evil.example/',
      '//evil.example/ui/',
      '/api/v1/hosts',
      '/ui/logout',
      '/uix',
      undefined,
    ]) {
      expect(safeNext('/ui', bad)).toBe('/ui');
    }
  });

  it('accepts same-origin posts and refuses foreign ones', () => {
    expect(sameOrigin('http://127.0.0.1:8080/ui/x', 'http://127.0.0.1:8080', undefined)).toBe(true);
    expect(sameOrigin('http://127.0.0.1:8080/ui/x', undefined, undefined)).toBe(true);
    expect(sameOrigin('http://127.0.0.1:8080/ui/x', 'https://evil.example', undefined)).toBe(false);
    expect(sameOrigin('http://127.0.0.1:8080/ui/x', 'null', undefined)).toBe(false);
    expect(sameOrigin('http://127.0.0.1:8080/ui/x', undefined, 'http://evil.example/page')).toBe(false);
  });
});
