import type { Host, StatusItem } from '@procwatch/shared';
import type { Warning } from '../admin-api.ts';
import { formatAgo, formatInstant } from '../format.ts';
import { splitHeld } from '../warning-cause.ts';
import { AgentBadge, StatusBadge } from './components.tsx';
import { Layout, type PageContext } from './layout.tsx';
import { WarningCauseNote } from './warning-cause-note.tsx';

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

/**
 * The overview: counts, hosts with their agents, and what is not running right now. Warnings held by a
 * down dependency are counted apart from the others, so that one feed outage reads as one problem and
 * not as a fire in every trader that depends on it.
 */
export function OverviewPage(props: {
  ctx: PageContext;
  hosts: readonly Host[];
  status: readonly StatusItem[];
  /** Open and acknowledged warnings; null when the collector has no warnings API. */
  warnings: readonly Warning[] | null;
}) {
  const { ctx } = props;
  const open = props.warnings === null ? null : splitHeld(props.warnings.filter((w) => w.status === 'OPEN'));
  // In "Not running": a dependent says what explains it, the dependency how many warnings it holds.
  const heldWarningOf = new Map<number, Warning>();
  const heldBy = new Map<number, number>();
  for (const w of props.warnings ?? []) {
    if (w.suppressed_by === null) continue;
    heldBy.set(w.suppressed_by, (heldBy.get(w.suppressed_by) ?? 0) + 1);
    if (w.processMonitorId !== null && !heldWarningOf.has(w.processMonitorId))
      heldWarningOf.set(w.processMonitorId, w);
  }
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
          class={`card ${open?.open.length ? 'bad' : 'ok'}`}
          href={`${ctx.base}/warnings?held=false`}
          data-count="warnings"
        >
          <div class="n">{open === null ? '?' : open.open.length}</div>
          <div class="muted">open warnings</div>
        </a>
        <a
          class={`card ${open?.held.length ? 'warn' : 'ok'}`}
          href={`${ctx.base}/warnings?held=true`}
          data-count="held-warnings"
        >
          <div class="n">{open === null ? '?' : open.held.length}</div>
          <div class="muted">held by a dependency</div>
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
              {problems.map((s) => {
                const held = heldWarningOf.get(s.processMonitorId);
                const holds = heldBy.get(s.processMonitorId) ?? 0;
                return (
                  <tr data-monitor={s.name}>
                    <td>
                      <a href={`${ctx.base}/monitors/${s.processMonitorId}`}>{s.name}</a>
                    </td>
                    <td>{s.host_name}</td>
                    <td>
                      <StatusBadge status={s.status} stale={s.stale} />
                    </td>
                    <td>{formatAgo(s.status_since, ctx.now)}</td>
                    <td class="muted">
                      {s.error_message ?? ''}
                      {held ? (
                        <div>
                          <WarningCauseNote base={ctx.base} warning={held} />
                        </div>
                      ) : null}
                      {holds ? (
                        <div data-holds={String(holds)}>
                          <a href={`${ctx.base}/warnings?held=true`}>
                            {holds === 1
                              ? "holds 1 dependent's warning"
                              : `holds ${holds} dependents' warnings`}
                          </a>
                        </div>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}
