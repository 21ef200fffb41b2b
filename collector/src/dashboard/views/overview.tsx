import type { Host, StatusItem } from '@procwatch/shared';
import type { Warning } from '../admin-api.ts';
import { formatAgo, formatInstant } from '../format.ts';
import { AgentBadge, StatusBadge } from './components.tsx';
import { Layout, type PageContext } from './layout.tsx';

/** Counts of monitors by latest status. */
export interface StatusCounts {
  RUNNING: number;
  NOT_FOUND: number;
  STOPPED: number;
  ERROR: number;
  NONE: number;
  stale: number;
}

/** Counts active monitors by their latest status. */
export function countStatuses(items: readonly StatusItem[]): StatusCounts {
  const counts: StatusCounts = { RUNNING: 0, NOT_FOUND: 0, STOPPED: 0, ERROR: 0, NONE: 0, stale: 0 };
  for (const item of items) {
    if (!item.active) continue;
    counts[item.status ?? 'NONE'] += 1;
    if (item.stale) counts.stale += 1;
  }
  return counts;
}

/** The overview: counts, hosts with their agents, and what is not running right now. */
export function OverviewPage(props: {
  ctx: PageContext;
  hosts: readonly Host[];
  status: readonly StatusItem[];
  openWarnings: readonly Warning[] | null;
}) {
  const { ctx } = props;
  const counts = countStatuses(props.status);
  const byHost = new Map<number, StatusItem[]>();
  for (const s of props.status) byHost.set(s.hostServerId, [...(byHost.get(s.hostServerId) ?? []), s]);
  const problems = props.status.filter((s) => s.active && s.status !== 'RUNNING');
  const cards: [keyof StatusCounts, string, string][] = [
    ['RUNNING', 'running', 'ok'],
    ['NOT_FOUND', 'not found', 'bad'],
    ['STOPPED', 'stopped', 'warn'],
    ['ERROR', 'check error', 'err'],
    ['NONE', 'no data yet', 'stale'],
    ['stale', 'stale', 'stale'],
  ];
  return (
    <Layout ctx={ctx} title="Overview" section="overview" refreshSeconds={10}>
      <h1>Overview</h1>
      <section class="cards" aria-label="monitors by status">
        {cards.map(([key, label, tone]) => (
          <a
            class={`card ${tone}`}
            href={`${ctx.base}/monitors${key === 'stale' || key === 'NONE' ? '' : `?status=${key}`}`}
            data-count={key}
          >
            <div class="n">{counts[key]}</div>
            <div class="muted">{label}</div>
          </a>
        ))}
        <a
          class={`card ${props.openWarnings?.length ? 'bad' : 'ok'}`}
          href={`${ctx.base}/warnings`}
          data-count="warnings"
        >
          <div class="n">{props.openWarnings === null ? '?' : props.openWarnings.length}</div>
          <div class="muted">open warnings</div>
        </a>
      </section>

      <h2>Hosts</h2>
      <div class="wrap">
        <table>
          <thead>
            <tr>
              <th>Host</th>
              <th>Agent</th>
              <th>Last heartbeat</th>
              <th>Agent version</th>
              <th class="num">Running</th>
              <th class="num">Monitors</th>
            </tr>
          </thead>
          <tbody>
            {props.hosts.length === 0 ? (
              <tr>
                <td colspan={6} class="muted">
                  No hosts yet. <a href={`${ctx.base}/hosts/new`}>Add one</a>.
                </td>
              </tr>
            ) : null}
            {props.hosts.map((h) => {
              const items = (byHost.get(h.id) ?? []).filter((s) => s.active);
              return (
                <tr data-host={h.name}>
                  <td>
                    <a href={`${ctx.base}/monitors?host=${h.id}`}>{h.name}</a>
                    <div class="muted mono">{h.address}</div>
                    {h.active ? null : <div class="muted">disabled</div>}
                  </td>
                  <td>
                    <AgentBadge online={h.agent_online} />
                  </td>
                  <td title={formatInstant(h.last_heartbeat_at, ctx.timeZone)}>
                    {formatAgo(h.last_heartbeat_at, ctx.now)}
                  </td>
                  <td class="mono">{h.agent_version ?? '–'}</td>
                  <td class="num">{items.filter((s) => s.status === 'RUNNING').length}</td>
                  <td class="num">{items.length}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      <h2>Not running</h2>
      {problems.length === 0 ? (
        <p class="muted">Every active monitor is running.</p>
      ) : (
        <div class="wrap">
          <table>
            <thead>
              <tr>
                <th>Monitor</th>
                <th>Host</th>
                <th>Status</th>
                <th>Since</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {problems.map((s) => (
                <tr data-monitor={s.name}>
                  <td>
                    <a href={`${ctx.base}/monitors/${s.processMonitorId}`}>{s.name}</a>
                  </td>
                  <td>{s.host_name}</td>
                  <td>
                    <StatusBadge status={s.status} stale={s.stale} />
                  </td>
                  <td>{formatAgo(s.status_since, ctx.now)}</td>
                  <td class="muted">{s.error_message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}
