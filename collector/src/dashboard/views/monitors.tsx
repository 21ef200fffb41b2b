import { type Host, PROCESS_STATUS_TYPES, PROCESS_TYPES, type StatusItem } from '@procwatch/shared';
import { formatAgo, formatDuration, formatInstant, formatMegabytes, formatPercent } from '../format.ts';
import { StatusBadge } from './components.tsx';
import { Csrf, Layout, type PageContext } from './layout.tsx';

/** Filters of the monitors page, from its query string. */
export interface MonitorFilters {
  host?: number | undefined;
  type?: string | undefined;
  status?: string | undefined;
  q?: string | undefined;
  /** Show disabled monitors too. */
  all?: boolean | undefined;
}

/** Applies the search text and the disabled filter (the API applies host, type and status). */
export function filterStatus(items: readonly StatusItem[], filters: MonitorFilters): StatusItem[] {
  const q = filters.q?.trim().toLowerCase();
  return items.filter((s) => {
    if (!filters.all && !s.active) return false;
    if (!q) return true;
    return [s.name, s.host_name, s.fundAccountId ?? '', s.process_type].some((f) =>
      f.toLowerCase().includes(q),
    );
  });
}

/** Groups status rows by host name, then process type, both sorted, monitors by name. */
export function groupStatus(items: readonly StatusItem[]): [string, [string, StatusItem[]][]][] {
  const hosts = new Map<string, Map<string, StatusItem[]>>();
  for (const s of items) {
    const types = hosts.get(s.host_name) ?? new Map<string, StatusItem[]>();
    types.set(s.process_type, [...(types.get(s.process_type) ?? []), s]);
    hosts.set(s.host_name, types);
  }
  return [...hosts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([host, types]) => [
      host,
      [...types.entries()]
        .sort(([a], [b]) => PROCESS_TYPES.indexOf(a as never) - PROCESS_TYPES.indexOf(b as never))
        .map(([type, list]) => [type, [...list].sort((x, y) => x.name.localeCompare(y.name))]),
    ]);
}

function Filters(props: { ctx: PageContext; hosts: readonly Host[]; filters: MonitorFilters }) {
  const { filters } = props;
  return (
    <form class="filters" method="get" action={`${props.ctx.base}/monitors`}>
      <label>
        Search
        <input type="search" name="q" value={filters.q ?? ''} placeholder="name, host, fund account" />
      </label>
      <label>
        Host
        <select name="host">
          <option value="">all hosts</option>
          {props.hosts.map((h) => (
            <option value={String(h.id)} selected={filters.host === h.id}>
              {h.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Type
        <select name="type">
          <option value="">all types</option>
          {PROCESS_TYPES.map((t) => (
            <option value={t} selected={filters.type === t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select name="status">
          <option value="">any status</option>
          {PROCESS_STATUS_TYPES.map((t) => (
            <option value={t} selected={filters.status === t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>
          <input type="checkbox" name="all" value="1" checked={filters.all === true} /> disabled too
        </span>
      </label>
      <button type="submit">Filter</button>
      <a class="button" href={`${props.ctx.base}/monitors`}>
        Clear
      </a>
    </form>
  );
}

/** The monitors page: filters, then monitors grouped by host and type with their latest status. */
export function MonitorsPage(props: {
  ctx: PageContext;
  hosts: readonly Host[];
  items: readonly StatusItem[];
  filters: MonitorFilters;
}) {
  const { ctx } = props;
  const groups = groupStatus(props.items);
  return (
    <Layout ctx={ctx} title="Monitors" section="monitors" refreshSeconds={10}>
      <div class="inline-actions">
        <h1>Monitors</h1>
        <a class="button primary" href={`${ctx.base}/monitors/new`}>
          Add monitor
        </a>
      </div>
      <Filters ctx={ctx} hosts={props.hosts} filters={props.filters} />
      {groups.length === 0 ? <p class="muted">No monitors match.</p> : null}
      {groups.map(([host, types]) => (
        <section class="group" data-group-host={host}>
          <h2>{host}</h2>
          {types.map(([type, list]) => (
            <div>
              <h3>{type}</h3>
              <div class="wrap">
                <table>
                  <thead>
                    <tr>
                      <th>Monitor</th>
                      <th>Status</th>
                      <th class="num">PID</th>
                      <th class="num">CPU</th>
                      <th class="num">Memory</th>
                      <th class="num">Uptime</th>
                      <th>Checked</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((s) => (
                      <tr data-monitor={s.name} data-status={s.status ?? 'NONE'}>
                        <td>
                          <a href={`${ctx.base}/monitors/${s.processMonitorId}`}>{s.name}</a>
                          {s.fundAccountId ? <div class="muted mono">{s.fundAccountId}</div> : null}
                          {s.active ? null : <div class="muted">disabled</div>}
                        </td>
                        <td>
                          <StatusBadge status={s.status} stale={s.stale} />
                          {s.process_count !== null && s.process_count > 1 ? (
                            <div class="muted">{s.process_count} matches</div>
                          ) : null}
                        </td>
                        <td class="num">{s.pid ?? '–'}</td>
                        <td class="num">{formatPercent(s.cpu_percent)}</td>
                        <td class="num">{formatMegabytes(s.memory_used_mb)}</td>
                        <td class="num">{formatDuration(s.uptime_seconds)}</td>
                        <td title={formatInstant(s.checked_at, ctx.timeZone)}>
                          {formatAgo(s.checked_at, ctx.now)}
                          {s.source === 'SSH' ? <div class="muted">via SSH</div> : null}
                        </td>
                        <td class="actions">
                          <form method="post" action={`${ctx.base}/monitors/${s.processMonitorId}/check`}>
                            <Csrf token={ctx.csrfToken} />
                            <button type="submit">Check now</button>
                          </form>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          ))}
        </section>
      ))}
    </Layout>
  );
}
