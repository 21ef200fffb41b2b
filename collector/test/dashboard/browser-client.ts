import type { ApiApp } from '../../src/http/route-module.ts';

/** A form as a browser posts it: a list value is sent as one pair per value (a multi-select). */
export type FormData = Record<string, string | readonly string[]>;

/** A minimal browser over `app.request`: a cookie jar, form posts, and the page's CSRF token. */
export class FormClient {
  readonly cookies = new Map<string, string>();
  constructor(
    private readonly app: ApiApp,
    private readonly origin = 'http://127.0.0.1:8080',
  ) {}

  async request(
    method: string,
    path: string,
    init: { form?: FormData; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(
        Object.entries(init.form).flatMap(([k, v]) =>
          typeof v === 'string' ? [[k, v]] : v.map((x) => [k, x]),
        ),
      ).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin ??= this.origin;
    }
    const res = await this.app.request(`${this.origin}${path}`, {
      method,
      headers,
      ...(body ? { body } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, eq);
      const value = (pair ?? '').slice(eq + 1);
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { res, text: await res.text() };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  post(path: string, form: FormData, headers?: Record<string, string>) {
    return this.request('POST', path, { form, ...(headers ? { headers } : {}) });
  }

  /** Logs in through the login form; returns the CSRF token of the first page. */
  async login(token: string, operator = 'tester'): Promise<string> {
    const page = await this.get('/ui/login');
    const csrf = csrfOf(page.text);
    const res = await this.post('/ui/login', { _csrf: csrf, token, operator, next: '/ui' });
    if (res.res.status !== 303) throw new Error(`login failed: ${res.res.status}`);
    return csrfOf((await this.get('/ui')).text);
  }
}

/** The CSRF token embedded in a page's forms. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF token on the page');
  return match[1];
}
