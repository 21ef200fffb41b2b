import type { HttpAnswer, HttpClient } from '../../support/http-client.ts';

/** A logged-in dashboard session: its cookie and CSRF token. */
export interface DashboardSession {
  readonly cookie: string;
  readonly csrf: string;
}

function cookiesOf(answer: HttpAnswer): string[] {
  const set = answer.headers['set-cookie'];
  const list = Array.isArray(set) ? set : set ? [set] : [];
  return list.map((c) => c.split(';')[0]!);
}

/** The `_csrf` value of the first form in a page. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token in the page');
  return match[1]!;
}

/**
 * Logs in as a browser does: the login page sets a double-submit cookie and hidden field, the form posts
 * the admin token from the same origin. Returns the session, or the login answer when it was refused.
 */
export async function dashboardLogin(
  client: HttpClient,
  token: string,
): Promise<{ session?: DashboardSession; answer: HttpAnswer }> {
  const page = await client.request({ path: '/ui/login', token: null });
  const loginCookie = cookiesOf(page).join('; ');
  const form = new URLSearchParams({ _csrf: csrfOf(page.text), token, operator: 'security suite' });
  const answer = await client.request({
    method: 'POST',
    path: '/ui/login',
    token: null,
    body: form.toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: loginCookie,
      origin: client.baseUrl,
    },
  });
  const session = cookiesOf(answer).find((c) => c.startsWith('pw_session='));
  if (answer.status !== 303 || !session) return { answer };
  const overview = await client.request({ path: '/ui', token: null, headers: { cookie: session } });
  return { session: { cookie: session, csrf: csrfOf(overview.text) }, answer };
}
