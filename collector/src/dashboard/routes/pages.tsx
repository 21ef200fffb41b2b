import { PROCESS_STATUS_TYPES, PROCESS_TYPES } from '@procwatch/shared';
import type { Hono } from 'hono';
import { type AdminApi, AdminApiError, type Warning } from '../admin-api.ts';
import { type DashboardEnv, takeFlash } from '../dashboard-env.ts';
import { HostsPage } from '../views/hosts.tsx';
import { htmlPage } from '../views/html-page.ts';
import { filterStatus, type MonitorFilters, MonitorsPage } from '../views/monitors.tsx';
import { OverviewPage } from '../views/overview.tsx';
import { type HeldFilter, WarningsPage, type WarningView } from '../views/warnings.tsx';

/** A positive decimal id from a path or query parameter, or undefined. */
export function idParam(text: string | undefined): number | undefined {
  if (!text || !/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 2_147_483_647 ? n : undefined;
}

/** Open and acknowledged warnings; null when this collector has no warnings API (yet). */
export async function unresolvedWarnings(
  api: AdminApi,
  query: Record<string, string> = {},
): Promise<Warning[] | null> {
  try {
    return await api.listWarnings({ status: 'OPEN,ACKNOWLEDGED', ...query });
  } catch (error) {
    if (error instanceof AdminApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}

/** The read-only pages. */
export function registerPageRoutes(app: Hono<DashboardEnv>): void {
  app.get('/', async (c) => {
    const api = c.get('api');
    const [hosts, status, warnings] = await Promise.all([
      api.listHosts(),
      api.status(),
      unresolvedWarnings(api),
    ]);
    return htmlPage(
      c,
      <OverviewPage ctx={c.get('page')} hosts={hosts} status={status.items} warnings={warnings} />,
    );
  });

  app.get('/monitors', async (c) => {
    const api = c.get('api');
    const q = c.req.query();
    const filters: MonitorFilters = {
      host: idParam(q.host),
      type: PROCESS_TYPES.find((t) => t === q.type),
      status: PROCESS_STATUS_TYPES.find((t) => t === q.status),
      q: q.q?.slice(0, 200),
      all: q.all === '1',
    };
    const [hosts, status] = await Promise.all([
      api.listHosts(),
      api.status({ hostServerId: filters.host, process_type: filters.type, status: filters.status }),
    ]);
    return htmlPage(
      c,
      <MonitorsPage
        ctx={c.get('page')}
        hosts={hosts}
        items={filterStatus(status.items, filters)}
        filters={filters}
      />,
    );
  });

  app.get('/warnings', async (c) => {
    const api = c.get('api');
    const view: WarningView = c.req.query('view') === 'resolved' ? 'resolved' : 'open';
    // Held or not is a question about warnings still open: the resolved view has no such filter.
    const held: HeldFilter =
      view === 'open'
        ? ((['true', 'false'] as const).find((h) => h === c.req.query('held')) ?? 'all')
        : 'all';
    const warnings =
      view === 'open'
        ? await unresolvedWarnings(api, held === 'all' ? {} : { suppressed: held })
        : await api.listWarnings({ status: 'RESOLVED', limit: 200 }).catch((e: unknown) => {
            if (e instanceof AdminApiError && e.status === 404) return null;
            throw e;
          });
    return htmlPage(
      c,
      <WarningsPage
        ctx={c.get('page')}
        view={view}
        held={held}
        warnings={warnings}
        flash={takeFlash(c.get('session'))}
      />,
    );
  });

  app.get('/hosts', async (c) => {
    const hosts = await c.get('api').listHosts();
    return htmlPage(c, <HostsPage ctx={c.get('page')} hosts={hosts} flash={takeFlash(c.get('session'))} />);
  });
}
