import type { Warning } from '../admin-api.ts';
import { formatAgo, formatInstant } from '../format.ts';
import { Flash } from './components.tsx';
import { Csrf, Layout, type PageContext } from './layout.tsx';
import { WarningCauseNote } from './warning-cause-note.tsx';

/** Which warnings the page lists. */
export type WarningView = 'open' | 'resolved';

/** Open warnings held by a down dependency (`true`), the others (`false`), or all. */
export type HeldFilter = 'all' | 'true' | 'false';

const HELD_FILTERS: [HeldFilter, string][] = [
  ['all', 'All'],
  ['false', 'Not held'],
  ['true', 'Held by a dependency'],
];

/** The warnings page: open and acknowledged warnings with an acknowledge form, or recently resolved ones. */
export function WarningsPage(props: {
  ctx: PageContext;
  view: WarningView;
  held?: HeldFilter;
  warnings: readonly Warning[] | null;
  flash?: { kind: 'ok' | 'error'; text: string } | undefined;
}) {
  const { ctx } = props;
  const held = props.held ?? 'all';
  return (
    <Layout ctx={ctx} title="Warnings" section="warnings" refreshSeconds={10}>
      {props.flash ? <Flash kind={props.flash.kind}>{props.flash.text}</Flash> : null}
      <div class="inline-actions">
        <h1>Warnings</h1>
        <a class={props.view === 'open' ? 'button primary' : 'button'} href={`${ctx.base}/warnings`}>
          Open
        </a>
        <a
          class={props.view === 'resolved' ? 'button primary' : 'button'}
          href={`${ctx.base}/warnings?view=resolved`}
        >
          Resolved
        </a>
        {props.view === 'open' ? (
          <span class="inline-actions">
            <span class="muted">·</span>
            {HELD_FILTERS.map(([value, label]) => (
              <a
                class={held === value ? 'button primary' : 'button'}
                href={`${ctx.base}/warnings${value === 'all' ? '' : `?held=${value}`}`}
                data-held-filter={value}
              >
                {label}
              </a>
            ))}
          </span>
        ) : null}
      </div>
      {props.warnings === null ? (
        <Flash kind="error">The warnings API is not available on this collector.</Flash>
      ) : props.warnings.length === 0 ? (
        <p class="muted">
          {props.view === 'resolved'
            ? 'Nothing resolved recently.'
            : held === 'true'
              ? 'No warning is held by a dependency.'
              : 'No open warnings.'}
        </p>
      ) : (
        <div class="wrap">
          <table>
            <thead>
              <tr>
                <th>Status</th>
                <th>Warning</th>
                <th>Where</th>
                <th>First seen</th>
                <th>Last seen</th>
                <th class="num">Count</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {props.warnings.map((w) => (
                <tr
                  id={`w${w.id}`}
                  data-warning={w.type}
                  data-warning-status={w.status}
                  data-held={w.suppressed_by === null ? undefined : 'true'}
                >
                  <td>
                    <span class={`badge ${w.status}`}>{w.status}</span>
                  </td>
                  <td>
                    <strong>{w.type}</strong>
                    <div>{w.title}</div>
                    <div class="muted">{w.message}</div>
                    <WarningCauseNote base={ctx.base} warning={w} />
                    {w.acknowledged_at ? (
                      <div class="muted">
                        acknowledged {formatAgo(w.acknowledged_at, ctx.now)}
                        {w.acknowledged_by ? ` by ${w.acknowledged_by}` : ''}
                        {w.ack_note ? `: ${w.ack_note}` : ''}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    {w.processMonitorId ? (
                      <a href={`${ctx.base}/monitors/${w.processMonitorId}`}>
                        {w.monitor_name ?? `monitor ${w.processMonitorId}`}
                      </a>
                    ) : null}
                    {w.hostServerId ? (
                      <div class="muted">{w.host_name ?? `host ${w.hostServerId}`}</div>
                    ) : null}
                  </td>
                  <td title={formatInstant(w.first_seen_at, ctx.timeZone)}>
                    {formatAgo(w.first_seen_at, ctx.now)}
                  </td>
                  <td title={formatInstant(w.last_seen_at, ctx.timeZone)}>
                    {formatAgo(w.last_seen_at, ctx.now)}
                  </td>
                  <td class="num">{w.count}</td>
                  <td class="actions">
                    {w.status === 'OPEN' ? (
                      <form method="post" action={`${ctx.base}/warnings/${w.id}/ack`}>
                        <Csrf token={ctx.csrfToken} />
                        <input
                          type="text"
                          name="note"
                          maxlength={500}
                          placeholder="note (optional)"
                          aria-label="note"
                        />{' '}
                        <button class="primary" type="submit">
                          Acknowledge
                        </button>
                      </form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}
