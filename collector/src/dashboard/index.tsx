import { type CompiledCalendar, DEFAULT_COMPILED_CALENDAR, tradeDay } from '@procwatch/shared';
import { type Context, type Env, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { AdminApi, AdminApiError } from './admin-api.ts';
import { APP_JS } from './assets/app.js.ts';
import { STYLE_CSS } from './assets/style.css.ts';
import type { DashboardEnv } from './dashboard-env.ts';
import { registerActionRoutes } from './routes/actions.tsx';
import {
  type AuthSettings,
  registerAuthRoutes,
  registerLogoutRoute,
  sessionCookieName,
} from './routes/auth.tsx';
import { registerFormRoutes } from './routes/forms.tsx';
import { registerMonitorPageRoutes } from './routes/monitor-page.tsx';
import { registerPageRoutes } from './routes/pages.tsx';
import { sameOrigin, securityHeaders } from './security.ts';
import { SessionStore, sameSecret } from './session.ts';
import { ErrorPage } from './views/error.tsx';
import { htmlPage } from './views/html-page.ts';

export { SessionStore } from './session.ts';

/** What the dashboard needs from the collector. */
export interface DashboardOptions {
  /**
   * Answers an admin API request. In the collector this is the app's own `fetch`: the dashboard is a
   * client of the admin API, so validation, uniqueness and every other rule of the API apply to it.
   */
  fetchApi: (request: Request, env: unknown) => Response | Promise<Response>;
  /** Where the dashboard is mounted; default `/ui`. */
  basePath?: string;
  /** Mark cookies Secure (the collector serves TLS itself). */
  secureCookies?: boolean;
  /** The trading calendar (trade day in the header, exchange time zone for every instant). */
  calendar?: CompiledCalendar;
  /** Sessions; one store per collector process. */
  sessions?: SessionStore;
  now?: () => Date;
  /** The collector URL agents should use, for the install hint after adding a host. */
  publicUrl?: string;
  /** `mountDashboard` also sends `/` to the dashboard. */
  redirectRoot?: boolean;
  /** Told about unexpected errors (the page shows a generic message, never a stack). */
  onError?: (error: unknown) => void;
}

const API_ORIGIN = 'http://procwatch.internal';
const FORM_MAX_BYTES = 64 * 1024;

/**
 * The admin API on behalf of one browser request: its token, and the request's own bindings and
 * X-Forwarded-For, so that the API's per-address limits (failed logins) see the real client.
 */
function apiFor(fetchApi: DashboardOptions['fetchApi'], token: string, c: Context): AdminApi {
  const forwardedFor = c.req.header('x-forwarded-for');
  return new AdminApi(async ({ method, path, body, signal }) => {
    const res = await fetchApi(
      new Request(`${API_ORIGIN}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
        },
        ...(body === undefined ? {} : { body }),
        ...(signal ? { signal } : {}),
      }),
      c.env,
    );
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
  });
}

/** The server-rendered dashboard as a Hono sub-app; mount it with `app.route(basePath, dashboard)`. */
export function createDashboard(options: DashboardOptions): Hono<DashboardEnv> {
  const base = options.basePath ?? '/ui';
  const sessions = options.sessions ?? new SessionStore();
  const now = options.now ?? (() => new Date());
  const calendar = options.calendar ?? DEFAULT_COMPILED_CALENDAR;
  const auth: AuthSettings = {
    base,
    sessions,
    secure: options.secureCookies ?? false,
    verifyToken: async (token, c) => {
      try {
        await apiFor(options.fetchApi, token, c).listHosts();
        return 'valid';
      } catch (error) {
        if (error instanceof AdminApiError && (error.status === 401 || error.status === 403))
          return 'invalid';
        if (error instanceof AdminApiError && error.status === 429) return 'throttled';
        throw error;
      }
    },
  };
  const app = new Hono<DashboardEnv>();
  app.use('*', securityHeaders());
  // Forms are small; anything bigger is not ours.
  app.use('*', bodyLimit({ maxSize: FORM_MAX_BYTES, onError: (c) => c.text('form too large', 413) }));

  app.get('/assets/style.css', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(STYLE_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });
  app.get('/assets/app.js', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(APP_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  });

  registerAuthRoutes(app, auth);

  // Everything below needs a session; every POST also a matching CSRF token and a same-site origin.
  app.use('*', async (c, next) => {
    const id = getCookie(c, sessionCookieName(auth.secure));
    const session = sessions.get(id);
    if (!session) {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const url = new URL(c.req.url);
        return c.redirect(`${base}/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
      }
      return c.redirect(`${base}/login`, 303);
    }
    if (c.req.method === 'POST') {
      if (!sameOrigin(c.req.url, c.req.header('origin'), c.req.header('referer'))) {
        return c.text('cross-site request refused', 403);
      }
      const form = await c.req.parseBody();
      const token = typeof form._csrf === 'string' ? form._csrf : '';
      if (!sameSecret(token, session.csrfToken)) {
        return c.text(
          'the form has expired or did not come from this dashboard: reload the page and try again',
          403,
        );
      }
    }
    c.set('session', session);
    c.set('api', apiFor(options.fetchApi, session.apiToken, c));
    const at = now();
    c.set('page', {
      base,
      csrfToken: session.csrfToken,
      tradeDay: tradeDay(at, calendar),
      timeZone: calendar.timeZone,
      now: at,
    });
    await next();
  });

  app.onError((error, c) => {
    if (error instanceof AdminApiError && error.status === 401) {
      // The admin token stopped working (rotated, or the collector restarted with another one).
      sessions.delete(getCookie(c, sessionCookieName(auth.secure)));
      return c.redirect(`${base}/login`, 303);
    }
    if (!(error instanceof AdminApiError)) options.onError?.(error);
    const status = error instanceof AdminApiError && error.status === 404 ? 404 : 500;
    const text =
      error instanceof AdminApiError
        ? error.message
        : 'Something went wrong; the collector log has the details.';
    return htmlPage(c, <ErrorPage base={base} status={status} text={text} />, status);
  });

  registerLogoutRoute(app, auth);
  registerPageRoutes(app);
  registerMonitorPageRoutes(app);
  registerActionRoutes(app);
  registerFormRoutes(app, { publicUrl: options.publicUrl });
  return app;
}

/**
 * Mounts the dashboard on an app at `options.basePath` (default `/ui`), with `/ui/` redirecting to
 * `/ui` (the app's router is strict about trailing slashes).
 */
export function mountDashboard<E extends Env>(app: Hono<E>, options: DashboardOptions): void {
  const base = options.basePath ?? '/ui';
  app.get(`${base}/`, (c) => c.redirect(base, 301));
  if (options.redirectRoot) app.get('/', (c) => c.redirect(base, 302));
  app.route(base, createDashboard(options));
}
