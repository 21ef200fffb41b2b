import type { DashboardSession } from './dashboard-session.ts';
import { HOSTILE, type SecurityBench } from './security-bench.ts';

/** How hono/jsx escapes text and attribute values. */
export function htmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** What the escaping check found. */
export interface EscapingResult {
  readonly pages: number;
  /** Pages that did not answer 200. */
  readonly failedPages: string[];
  /** A hostile name found verbatim (unescaped) in a page. */
  readonly raw: string[];
  /** Hostile names shown (escaped) on no page at all: the check would prove nothing for them. */
  readonly neverShown: string[];
}

/**
 * Host, monitor, remark and fund account names with markup, and a warning whose title carries one: every
 * dashboard page that shows them must show them as text (escaped), never as markup.
 */
export async function checkDashboardEscaping(
  bench: SecurityBench,
  session: DashboardSession,
): Promise<EscapingResult> {
  const ids = bench.ids;
  const pages = [
    '/ui',
    '/ui/monitors',
    `/ui/monitors?host=${ids.hostXss}`,
    `/ui/monitors/${ids.monitorXss}`,
    `/ui/monitors/${ids.monitorXss}/edit`,
    '/ui/monitors/new',
    '/ui/hosts',
    `/ui/hosts/${ids.hostXss}/edit`,
    '/ui/warnings',
    '/ui/warnings?held=false',
  ];
  // Forms answered with a page of their own: "fetch log tail" shows the monitor page with the API's
  // refusal (the hostile monitor has no log file: 409).
  const posts = [{ path: `/ui/monitors/${ids.monitorXss}/log-tail`, form: { lines: '50' }, status: 409 }];
  const client = bench.collector.admin;
  const failedPages: string[] = [];
  const raw: string[] = [];
  const shown = new Set<string>();
  const look = (path: string, text: string) => {
    for (const [what, value] of Object.entries(HOSTILE)) {
      if (text.includes(value)) raw.push(`${what} on ${path}`);
      if (text.includes(htmlEscape(value))) shown.add(what);
    }
  };
  for (const path of pages) {
    const answer = await client.request({ path, token: null, headers: { cookie: session.cookie } });
    if (answer.status !== 200) failedPages.push(`${path} → ${answer.status}`);
    look(path, answer.text);
  }
  for (const post of posts) {
    const answer = await client.request({
      method: 'POST',
      path: post.path,
      token: null,
      body: new URLSearchParams({ _csrf: session.csrf, ...post.form }).toString(),
      headers: {
        cookie: session.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        origin: client.baseUrl,
      },
    });
    if (answer.status !== post.status) failedPages.push(`POST ${post.path} → ${answer.status}`);
    look(`POST ${post.path}`, answer.text);
  }
  const neverShown = Object.keys(HOSTILE).filter((what) => !shown.has(what));
  return { pages: pages.length + posts.length, failedPages, raw, neverShown };
}
