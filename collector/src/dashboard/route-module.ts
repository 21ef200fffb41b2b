import { compileCalendar } from '@procwatch/shared';
import type { AppEnv } from '../http/app-env.ts';
import type { RouteModule } from '../http/route-module.ts';
import { mountDashboard } from './index.tsx';

/**
 * The dashboard as a route module of the collector: `/ui` (and `/` redirects there). It calls the
 * admin API through the app itself, so the API's auth, validation and rules all apply.
 */
export const dashboardRoutes: RouteModule = {
  name: 'dashboard',
  register(app, deps) {
    const log = deps.logger.child({ component: 'dashboard' });
    mountDashboard(app, {
      fetchApi: (request, env) => app.fetch(request, env as AppEnv['Bindings']),
      secureCookies: deps.config.tls !== undefined,
      calendar: compileCalendar(deps.config.calendar),
      now: deps.clock,
      redirectRoot: true,
      onError: (error) => log.error({ err: error }, 'dashboard request failed'),
    });
  },
};
