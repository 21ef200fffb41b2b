import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { DashboardEnv } from '../dashboard-env.ts';
import { safeNext, sameOrigin } from '../security.ts';
import { randomToken, type SessionStore, sameSecret } from '../session.ts';
import { htmlPage } from '../views/html-page.ts';
import { LoginPage } from '../views/login.tsx';

/** Session cookie name over plain HTTP. */
export const SESSION_COOKIE = 'pw_session';
/** Over TLS the `__Host-` prefix makes the browser insist on Secure, Path=/ and no Domain. */
export const SECURE_SESSION_COOKIE = '__Host-pw_session';
const LOGIN_COOKIE = 'pw_login';

/** The session cookie's name for this deployment. */
export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/** How logging in works. */
export interface AuthSettings {
  readonly base: string;
  readonly sessions: SessionStore;
  /** Cookies get Secure (the collector serves TLS). */
  readonly secure: boolean;
  /** Whether an admin token is valid (asks the admin API, which limits failures per address). */
  readonly verifyToken: (token: string, c: Context) => Promise<'valid' | 'invalid' | 'throttled'>;
}

const MAX_TOKEN_LENGTH = 512;

/** The optional "your name" of the login form: one line of at most 100 characters, else none. */
export function operatorName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = value.trim().slice(0, 100);
  return name && !/[\u0000-\u001f\u007f]/.test(name) ? name : null;
}

/**
 * GET/POST /login. Before a session exists, the login form is protected by a double-submit token: a
 * random value both in a SameSite=Strict HttpOnly cookie and in the form, which must agree.
 */
export function registerAuthRoutes(app: Hono<DashboardEnv>, auth: AuthSettings): void {
  const cookieBase = { path: '/', httpOnly: true, sameSite: 'Strict', secure: auth.secure } as const;
  const loginPage = (
    c: Context<DashboardEnv>,
    status: 200 | 401 | 403 | 429,
    next: string | undefined,
    error?: string,
  ) => {
    const csrf = randomToken(24);
    setCookie(c, LOGIN_COOKIE, csrf, { ...cookieBase, maxAge: 3600 });
    return htmlPage(c, <LoginPage base={auth.base} csrfToken={csrf} next={next} error={error} />, status);
  };

  app.get('/login', (c) => loginPage(c, 200, safeNext(auth.base, c.req.query('next'))));

  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(auth.base, typeof form.next === 'string' ? form.next : undefined);
    const expected = getCookie(c, LOGIN_COOKIE) ?? '';
    const given = typeof form._csrf === 'string' ? form._csrf : '';
    if (
      !expected ||
      !sameSecret(given, expected) ||
      !sameOrigin(c.req.url, c.req.header('origin'), c.req.header('referer'))
    ) {
      return loginPage(c, 403, next, 'The login form expired; please try again.');
    }
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const verdict = token && token.length <= MAX_TOKEN_LENGTH ? await auth.verifyToken(token, c) : 'invalid';
    if (verdict === 'throttled') {
      return loginPage(
        c,
        429,
        next,
        'Too many failed attempts from this address; wait a minute and try again.',
      );
    }
    if (verdict === 'invalid') return loginPage(c, 401, next, 'That admin token is not valid.');
    const { id } = auth.sessions.create(token, operatorName(form.operator));
    deleteCookie(c, LOGIN_COOKIE, { path: '/' });
    setCookie(c, sessionCookieName(auth.secure), id, cookieBase);
    return c.redirect(next, 303);
  });
}

/** POST /logout (behind the session and CSRF checks). */
export function registerLogoutRoute(
  app: Hono<DashboardEnv>,
  auth: Pick<AuthSettings, 'base' | 'sessions' | 'secure'>,
) {
  app.post('/logout', (c) => {
    auth.sessions.delete(getCookie(c, sessionCookieName(auth.secure)));
    deleteCookie(c, sessionCookieName(auth.secure), { path: '/', secure: auth.secure });
    return c.redirect(`${auth.base}/login`, 303);
  });
}
