import type { HistoryItem, Monitor, ProcessEvent, StatusItem } from '@procwatch/shared';
import type { Warning } from '../admin-api.ts';
import {
  describeProbe,
  formatAgo,
  formatDuration,
  formatInstant,
  formatMegabytes,
  formatPercent,
} from '../format.ts';
import type { LifeEvent } from '../history-events.ts';
import { LineChart } from './chart.tsx';
import { Flash, StatusBadge } from './components.tsx';
import { Csrf, Layout, type PageContext } from './layout.tsx';
import { type LogTailOutcome, LogTailSection } from './log-tail.tsx';
import { type RelatedMonitor, RelatedMonitors } from './monitor-relations.tsx';
import { RestartEventsTable } from './restart-events.tsx';
import { WarningCauseNote } from './warning-cause-note.tsx';

/** Time ranges offered for the charts. */
export const HISTORY_RANGES = {
  '1h': 3600_000,
  '6h': 6 * 3600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
} as const;
/** A chart range key. */
export type HistoryRange = keyof typeof HISTORY_RANGES;

function hhmm(timeZone: string, withDate: boolean) {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(withDate ? { month: '2-digit', day: '2-digit' } : {}),
  });
  return (t: number) => f.format(new Date(t));
}

/** Rounds the uptime scale to hours, minutes or seconds, whichever the values reach. */
function uptimeUnit(points: readonly { v: number | null }[]): number {
  const max = Math.max(0, ...points.map((p) => p.v ?? 0));
  return max >= 7200 ? 3600 : max >= 120 ? 60 : 1;
}

/**
 * The monitor detail page: settings, dependencies both ways, current status, charts, restarts, recent
 * samples, and a log tail on request.
 */
export function MonitorDetailPage(props: {
  ctx: PageContext;
  monitor: Monitor;
  hostName: string;
  status: StatusItem | undefined;
  /** The monitors this one depends on, in its depends_on order. */
  dependsOn: readonly RelatedMonitor[];
  /** The monitors that depend on this one. */
  neededBy: readonly RelatedMonitor[];
  history: readonly HistoryItem[];
  events: readonly LifeEvent[];
  /** Restarts made by procwatch (the host's agent), newest first. */
  restartEvents?: readonly ProcessEvent[];
  warnings: readonly Warning[];
  range: HistoryRange;
  flash?: { kind: 'ok' | 'error'; text: string } | undefined;
  /** A log tail just fetched (the answer to its form): shown, and the page stops refreshing itself. */
  logTail?: { outcome: LogTailOutcome; lines: string } | undefined;
}) {
  const { ctx, monitor: m, status: s } = props;
  const ts = (i: HistoryItem) => Date.parse(i.checked_at);
  const up = (i: HistoryItem) => i.status === 'RUNNING';
  const cpu = props.history.map((i) => ({ t: ts(i), v: up(i) ? i.cpu_percent : null }));
  const mem = props.history.map((i) => ({ t: ts(i), v: up(i) ? i.memory_used_mb : null }));
  const uptime = props.history.map((i) => ({
    t: ts(i),
    v: up(i) ? i.uptime_seconds : null,
  }));
  const restarts = props.events.filter((e) => e.kind !== 'went down').map((e) => Date.parse(e.at));
  const formatTime = hhmm(ctx.timeZone, props.range === '7d' || props.range === '24h');
  const selectors = [
    ['process_name', m.process_name],
    ['command_pattern', m.command_pattern],
    ['pid_file', m.pid_file],
  ].filter(([, v]) => v);
  return (
    <Layout ctx={ctx} title={m.name} section="monitors" refreshSeconds={props.logTail ? 0 : 15}>
      {props.flash ? <Flash kind={props.flash.kind}>{props.flash.text}</Flash> : null}
      <h1>
        {m.name} <StatusBadge status={s?.status ?? null} stale={s?.stale ?? false} />
      </h1>
      <div class="inline-actions">
        <form method="post" action={`${ctx.base}/monitors/${m.id}/check`}>
          <Csrf token={ctx.csrfToken} />
          <input type="hidden" name="back" value="detail" />
          <button class="primary" type="submit">
            Check now
          </button>
        </form>
        <a class="button" href={`${ctx.base}/monitors/${m.id}/edit`}>
          Edit
        </a>
        <form method="post" action={`${ctx.base}/monitors/${m.id}/active`}>
          <Csrf token={ctx.csrfToken} />
          <input type="hidden" name="active" value={m.active ? 'false' : 'true'} />
          <button type="submit" class={m.active ? 'danger' : undefined}>
            {m.active ? 'Disable' : 'Enable'}
          </button>
        </form>
        {m.active ? null : <span class="muted">disabled: the agent does not check it</span>}
      </div>

      <dl class="facts">
        <dt>Host</dt>
        <dd>
          <a href={`${ctx.base}/monitors?host=${m.hostServerId}`}>{props.hostName}</a>
        </dd>
        <dt>Type</dt>
        <dd>
          {m.process_type}
          {m.fundAccountId ? ` · fund account ${m.fundAccountId}` : ''}
        </dd>
        <dt>Matches</dt>
        <dd>
          {selectors.map(([k, v]) => (
            <div>
              <span class="muted">{k}</span> <code>{v}</code>
            </div>
          ))}
        </dd>
        <dt>PID</dt>
        <dd>
          {s?.pid ?? '–'}
          {s?.process_count && s.process_count > 1
            ? ` (${s.process_count} processes match; the oldest is shown)`
            : ''}
        </dd>
        <dt>Started</dt>
        <dd>
          {formatInstant(s?.start_time, ctx.timeZone)} · up {formatDuration(s?.uptime_seconds)}
        </dd>
        <dt>CPU / memory</dt>
        <dd>
          {formatPercent(s?.cpu_percent)} · {formatMegabytes(s?.memory_used_mb)} (
          {formatPercent(s?.memory_percent)})
        </dd>
        <dt>Last check</dt>
        <dd>
          {formatInstant(s?.checked_at, ctx.timeZone)} ({formatAgo(s?.checked_at, ctx.now)}
          {s?.source ? `, ${s.source}` : ''}) · every {m.check_interval}s
        </dd>
        {s?.error_message ? (
          <>
            <dt>Error</dt>
            <dd>{s.error_message}</dd>
          </>
        ) : null}
        {m.session_windows.length ? (
          <>
            <dt>Sessions</dt>
            <dd>{m.session_windows.join(', ')}</dd>
          </>
        ) : null}
        <dt>Depends on</dt>
        <dd>
          <RelatedMonitors base={ctx.base} items={props.dependsOn} empty="nothing" relation="depends-on" />
        </dd>
        <dt>Needed by</dt>
        <dd>
          <RelatedMonitors base={ctx.base} items={props.neededBy} empty="no monitor" relation="needed-by" />
        </dd>
        <dt>Restart action</dt>
        <dd>{m.restart_action ? <code>{m.restart_action}</code> : <span class="muted">none</span>}</dd>
        <dt>Health probe</dt>
        <dd>{m.probe ? describeProbe(m.probe) : <span class="muted">none</span>}</dd>
        <dt>Log file</dt>
        <dd>{m.log_file ? <code>{m.log_file}</code> : <span class="muted">none</span>}</dd>
        {m.remark ? (
          <>
            <dt>Remark</dt>
            <dd>{m.remark}</dd>
          </>
        ) : null}
      </dl>

      {props.warnings.length ? (
        <>
          <h2>Open warnings</h2>
          <ul>
            {props.warnings.map((w) => (
              <li data-warning-id={String(w.id)}>
                <a href={`${ctx.base}/warnings#w${w.id}`}>{w.title}</a>{' '}
                <span class="muted">({w.status})</span> <WarningCauseNote base={ctx.base} warning={w} />
              </li>
            ))}
          </ul>
        </>
      ) : null}

      <LogTailSection ctx={ctx} monitor={m} outcome={props.logTail?.outcome} lines={props.logTail?.lines} />

      <h2>History</h2>
      <div class="inline-actions">
        {Object.keys(HISTORY_RANGES).map((r) => (
          <a
            class={r === props.range ? 'button primary' : 'button'}
            href={`${ctx.base}/monitors/${m.id}?range=${r}`}
          >
            {r}
          </a>
        ))}
      </div>
      <div class="charts">
        <LineChart
          title="CPU %"
          points={cpu}
          format={(v) => `${Math.round(v)} %`}
          formatTime={formatTime}
          yMaxHint={10}
          markers={restarts}
        />
        <LineChart
          title="Memory (RSS)"
          points={mem}
          format={formatMegabytes}
          formatTime={formatTime}
          markers={restarts}
        />
        <LineChart
          title="Uptime"
          points={uptime}
          format={formatDuration}
          yUnit={uptimeUnit(uptime)}
          formatTime={formatTime}
          markers={restarts}
        />
      </div>

      <h2>Restarts and outages</h2>
      {props.events.length === 0 ? (
        <p class="muted">None in this range.</p>
      ) : (
        <div class="wrap">
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>What</th>
                <th class="num">Old PID</th>
                <th class="num">New PID</th>
              </tr>
            </thead>
            <tbody>
              {[...props.events].reverse().map((e) => (
                <tr>
                  <td>{formatInstant(e.at, ctx.timeZone)}</td>
                  <td>
                    {e.kind} {e.kind === 'went down' ? <StatusBadge status={e.status} /> : null}
                  </td>
                  <td class="num">{e.fromPid ?? '–'}</td>
                  <td class="num">{e.toPid ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Restarts by procwatch</h2>
      <RestartEventsTable ctx={ctx} events={props.restartEvents ?? []} />

      <h2>Recent samples</h2>
      <div class="wrap">
        <table>
          <thead>
            <tr>
              <th>Checked</th>
              <th>Status</th>
              <th class="num">PID</th>
              <th class="num">CPU</th>
              <th class="num">Memory</th>
              <th class="num">Uptime</th>
              <th class="num">Took</th>
              <th>Source</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {props.history.slice(0, 25).map((i) => (
              <tr>
                <td>{formatInstant(i.checked_at, ctx.timeZone)}</td>
                <td>
                  <StatusBadge status={i.status} />
                </td>
                <td class="num">{i.pid ?? '–'}</td>
                <td class="num">{formatPercent(i.cpu_percent)}</td>
                <td class="num">{formatMegabytes(i.memory_used_mb)}</td>
                <td class="num">{formatDuration(i.uptime_seconds)}</td>
                <td class="num">{i.check_duration_ms === null ? '–' : `${i.check_duration_ms} ms`}</td>
                <td>{i.source}</td>
                <td class="muted">{i.error_message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}
