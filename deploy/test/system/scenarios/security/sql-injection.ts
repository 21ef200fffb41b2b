import { htmlEscape } from './dashboard-escaping.ts';
import type { SecurityBench } from './security-bench.ts';

/** Classic and PostgreSQL-flavoured injection strings, LIKE wildcards, and type confusion. */
export const INJECTIONS = [
  `' OR '1'='1`,
  `SECFA1' OR '1'='1`,
  `1 OR 1=1`,
  `1; DROP TABLE "HostServer"; --`,
  `1) UNION SELECT agent_token_hash FROM "HostServer" --`,
  `'||(SELECT version())||'`,
  `'; SELECT pg_sleep(5); --`,
  `\\'; DELETE FROM "ProcessMonitor"; --`,
  `%`,
  `_`,
  `*`,
  `RUNNING' OR 'a'='a`,
  `true' OR 'x'='x`,
  `2026-01-01T00:00:00Z' OR '1'='1`,
  `$1`,
  `-1`,
  `0x10`,
  `1e3`,
  `{"$gt":""}`,
  'a'.repeat(300),
] as const;

// What must never reach a client: SQL, driver errors, stack traces. (Case matters: pages have <select>.)
const INTERNALS = [
  /syntax error/i,
  /\bSELECT\b[^<>]*\bFROM\b/,
  /\bINSERT INTO\b/,
  /\bDELETE FROM\b/,
  /pg_catalog/,
  /relation "/,
  /node_modules/,
  /\n\s+at \S+ \(/,
];

/** Whether `text` shows internals once echoes of the payload (e.g. a problem's `instance`) are removed. */
function showsInternals(text: string, payload: string): boolean {
  // The payload as sent, as decoded back (a path keeps %3B etc.), as JSON and HTML show it.
  const forms = [payload, encodeURIComponent(payload), decodeURI(encodeURIComponent(payload))];
  const echoes = forms.flatMap((f) => [f, JSON.stringify(f).slice(1, -1), htmlEscape(f)]);
  let rest = text;
  for (const echo of echoes.sort((a, b) => b.length - a.length)) rest = rest.split(echo).join('');
  return INTERNALS.some((re) => re.test(rest));
}

interface Parameter {
  readonly name: string;
  readonly in: 'query' | 'path';
}

/** What the injection run found. */
export interface InjectionResult {
  readonly requests: number;
  readonly parameters: number;
  readonly serverErrors: string[];
  /** 200 answers to an injected filter that returned rows (a filter that matched more than nothing). */
  readonly leaks: string[];
  /** Answers carrying SQL, driver messages or stack traces. */
  readonly internals: string[];
  readonly changed: boolean;
  /** Dashboard pages that echoed an injected value unescaped. */
  readonly reflected: string[];
}

function itemsOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (body && typeof body === 'object' && Array.isArray((body as { items?: unknown }).items))
    return (body as { items: unknown[] }).items;
  return undefined;
}

/**
 * Every query and path parameter of every operation in the OpenAPI document (admin and agent realms, with
 * their valid tokens), and the dashboard's filter parameters, each given every injection string. Nothing
 * may answer 5xx, carry SQL or a stack, return rows for an injected filter, or change any data.
 */
export async function runSqlInjection(
  bench: SecurityBench,
  dashboard: { cookie: string } | undefined,
): Promise<InjectionResult> {
  const admin = bench.collector.admin;
  const document = await admin.call<{
    paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
  }>('GET', '/api/v1/openapi.json');
  const ids = bench.ids;
  const sample: Record<string, string> = {
    id: String(ids.monitorA),
    account: ids.fundAccount,
  };
  const serverErrors: string[] = [];
  const leaks: string[] = [];
  const internals: string[] = [];
  const reflected: string[] = [];
  let requests = 0;
  let parameters = 0;
  const before = await bench.adminState({ withSamples: true });

  for (const [template, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const params = operation.parameters ?? [];
      const token = template.startsWith('/agent/') ? bench.tokens.agentA : bench.collector.adminToken;
      for (const param of params) {
        // Only reads take query filters; mutations are attacked through their path parameters.
        if (param.in === 'query' && method !== 'get') continue;
        parameters += 1;
        for (const payload of INJECTIONS) {
          let path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
            encodeURIComponent(name === param.name && param.in === 'path' ? payload : (sample[name] ?? '1')),
          );
          if (param.in === 'query') path += `?${param.name}=${encodeURIComponent(payload)}`;
          const answer = await admin.request({ method: method.toUpperCase(), path, token });
          requests += 1;
          const where = `${method.toUpperCase()} ${path.slice(0, 120)} → ${answer.status}`;
          if (answer.status >= 500) serverErrors.push(where);
          if (showsInternals(answer.text, payload)) internals.push(where);
          if (answer.status === 200 && param.in === 'query') {
            let body: unknown;
            try {
              body = answer.json();
            } catch {
              body = undefined;
            }
            const items = itemsOf(body);
            if (items && items.length > 0) leaks.push(`${where}: ${items.length} rows`);
          }
        }
      }
    }
  }

  if (dashboard) {
    const pages = [
      ['/ui/monitors', ['q', 'host', 'type', 'status', 'all']],
      [`/ui/monitors/${ids.monitorA}`, ['range']],
      ['/ui/warnings', ['view', 'held']],
      ['/ui/login', ['next']],
    ] as const;
    for (const [page, names] of pages) {
      for (const name of names) {
        for (const payload of [...INJECTIONS, '<script>alert("pw-xss-q")</script>']) {
          const path = `${page}?${name}=${encodeURIComponent(payload)}`;
          const answer = await admin.request({ path, token: null, headers: { cookie: dashboard.cookie } });
          requests += 1;
          const where = `GET ${path.slice(0, 120)} → ${answer.status}`;
          if (answer.status >= 500) serverErrors.push(where);
          if (showsInternals(answer.text, payload)) internals.push(where);
          if (payload.includes('<') && answer.text.includes(payload)) reflected.push(where);
        }
      }
    }
  }
  const changed = (await bench.adminState({ withSamples: true })) !== before;
  return { requests, parameters, serverErrors, leaks, internals, changed, reflected };
}
