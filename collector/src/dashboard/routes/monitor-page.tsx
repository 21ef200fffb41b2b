import type { HistoryItem, StatusItem } from '@procwatch/shared';
import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AdminApiError } from '../admin-api.ts';
import { type DashboardContext, type DashboardEnv, takeFlash } from '../dashboard-env.ts';
import { findLifeEvents } from '../history-events.ts';
import { htmlPage } from '../views/html-page.ts';
import type { LogTailOutcome } from '../views/log-tail.tsx';
import { HISTORY_RANGES, type HistoryRange, MonitorDetailPage } from '../views/monitor-detail.tsx';
import { idParam, unresolvedWarnings } from './pages.tsx';

// History shown on the detail page: one API page (1,000 rows) at most. At the default 60 s interval
// that covers 16 hours; a longer range shows its newest part.
const HISTORY_LIMIT = 1000;

/** Renders the detail page of a monitor; with a log tail just fetched, that too. */
async function monitorPage(
  c: DashboardContext,
  id: number,
  logTail?: { outcome: LogTailOutcome; lines: string },
  status: ContentfulStatusCode = 200,
): Promise<Response> {
  const api = c.get('api');
  const page = c.get('page');
  const range: HistoryRange =
    (Object.keys(HISTORY_RANGES) as HistoryRange[]).find((r) => r === c.req.query('range')) ?? '6h';
  const monitor = await api.getMonitor(id);
  const from = new Date(page.now.getTime() - HISTORY_RANGES[range]).toISOString();
  // Every status, not only this host's: dependencies may live on other hosts. "Needed by" has no API
  // filter; the monitor list carries every depends_on, so it is read from there.
  const [host, statuses, monitors, history, warnings, restartEvents] = await Promise.all([
    api.getHost(monitor.hostServerId),
    api.status(),
    api.listMonitors(),
    api.history(id, { from, limit: HISTORY_LIMIT }),
    unresolvedWarnings(api, { processMonitorId: String(id) }),
    api.restartEvents(id),
  ]);
  const statusOf = new Map<number, StatusItem>(statuses.items.map((s) => [s.processMonitorId, s]));
  const related = (ids: readonly number[]) => ids.map((i) => ({ id: i, status: statusOf.get(i) }));
  const items: HistoryItem[] = history.items;
  return htmlPage(
    c,
    <MonitorDetailPage
      ctx={page}
      monitor={monitor}
      hostName={host.name}
      status={statusOf.get(id)}
      dependsOn={related(monitor.depends_on)}
      neededBy={related(monitors.filter((m) => m.depends_on.includes(id)).map((m) => m.id))}
      history={items}
      events={findLifeEvents(items)}
      restartEvents={restartEvents.items}
      warnings={warnings ?? []}
      range={range}
      flash={takeFlash(c.get('session'))}
      logTail={logTail}
    />,
    status,
  );
}

/** The monitor detail page, and its "fetch log tail" form, answered on that page. */
export function registerMonitorPageRoutes(app: Hono<DashboardEnv>): void {
  app.get('/monitors/:id', async (c, next) => {
    const id = idParam(c.req.param('id'));
    if (id === undefined) return next();
    return monitorPage(c, id);
  });

  // Answered with the page itself rather than a redirect: up to 64 KiB of log has no place in a session
  // flash, and a refreshed page would drop it. The page does not refresh itself while it shows the log.
  app.post('/monitors/:id/log-tail', async (c, next) => {
    const id = idParam(c.req.param('id'));
    if (id === undefined) return next();
    const form = await c.req.parseBody();
    const lines = typeof form.lines === 'string' ? form.lines.slice(0, 10) : '100';
    try {
      const tail = await c.get('api').logTail(id, lines);
      return monitorPage(c, id, { outcome: { ok: true, tail }, lines });
    } catch (error) {
      // 401 logs out and 404 is the not-found page (onError); the API's other refusals (403 outside
      // log_dirs, 409 no log file or agent offline, 504 no answer, 400 bad lines) are shown on the page.
      if (!(error instanceof AdminApiError) || error.status === 401 || error.status === 404) throw error;
      if (error.status >= 500 && error.status !== 504) throw error;
      return monitorPage(
        c,
        id,
        { outcome: { ok: false, message: error.message }, lines },
        error.status as ContentfulStatusCode,
      );
    }
  });
}
