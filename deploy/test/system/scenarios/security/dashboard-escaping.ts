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
  ];
  const failedPages: string[] = [];
  const raw: string[] = [];
  const shown = new Set<string>();
  for (const path of pages) {
    const answer = await bench.collector.admin.request({
      path,
      token: null,
      headers: { cookie: session.cookie },
    });
    if (answer.status !== 200) failedPages.push(`${path} → ${answer.status}`);
    for (const [what, value] of Object.entries(HOSTILE)) {
      if (answer.text.includes(value)) raw.push(`${what} on ${path}`);
      if (answer.text.includes(htmlEscape(value))) shown.add(what);
    }
  }
  const neverShown = Object.keys(HOSTILE).filter((what) => !shown.has(what));
  return { pages: pages.length, failedPages, raw, neverShown };
}
