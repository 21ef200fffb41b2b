import type { Monitor, MonitorLogTail } from '@procwatch/shared';
import { formatInstant } from '../format.ts';
import { Flash } from './components.tsx';
import { Csrf, type PageContext } from './layout.tsx';

/** What fetching a log tail gave: the lines, or the API's reason why not. */
export type LogTailOutcome = { ok: true; tail: MonitorLogTail } | { ok: false; message: string };

/** Line counts offered; the API takes 1-1000. */
const LINE_CHOICES = ['50', '100', '200', '500', '1000'] as const;

/**
 * The "fetch log tail" form, and the lines it fetched (as text in a <pre>: a log holds whatever the
 * process wrote, markup included), or why the API could not fetch them.
 */
export function LogTailSection(props: {
  ctx: PageContext;
  monitor: Monitor;
  outcome?: LogTailOutcome | undefined;
  lines?: string | undefined;
}) {
  const { ctx, monitor: m, outcome } = props;
  const lines = props.lines ?? '100';
  return (
    <section id="log-tail" aria-label="log tail">
      <h2>Log</h2>
      {m.log_file ? (
        <form class="inline-actions" method="post" action={`${ctx.base}/monitors/${m.id}/log-tail#log-tail`}>
          <Csrf token={ctx.csrfToken} />
          <code>{m.log_file}</code>
          <label>
            last{' '}
            <select name="lines" aria-label="lines">
              {LINE_CHOICES.map((n) => (
                <option value={n} selected={n === lines}>
                  {n}
                </option>
              ))}
            </select>{' '}
            lines
          </label>
          <button type="submit">Fetch log tail</button>
          <span class="muted">read by the host's agent, only under its own log_dirs</span>
        </form>
      ) : (
        <p class="muted">
          No log file set: <a href={`${ctx.base}/monitors/${m.id}/edit`}>edit the monitor</a> to name one.
        </p>
      )}
      {outcome === undefined ? null : outcome.ok ? (
        <>
          <p class="muted">
            <code>{outcome.tail.path}</code> read at {formatInstant(outcome.tail.read_at, ctx.timeZone)}
            {outcome.tail.truncated ? ' · older lines left out' : ''} · the page does not refresh while it
            shows the log: <a href={`${ctx.base}/monitors/${m.id}`}>back to the live page</a>
          </p>
          <pre class="log" data-log-tail>
            {outcome.tail.text}
          </pre>
        </>
      ) : (
        <Flash kind="error">Log tail not fetched: {outcome.message}</Flash>
      )}
    </section>
  );
}
