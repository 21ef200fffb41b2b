// zod-openapi extends zod's schemas when it loads; anything built from zod before that lacks
// `.openapi()`. The collector's own entry points load it first; so does this test.
import '@hono/zod-openapi';
import { compileCalendar, type Monitor, type Sample } from '@procwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardRoutes } from '../../src/dashboard/route-module.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { routeModules } from '../../src/http/routes/index.ts';
import { DEFAULT_WARNING_SETTINGS } from '../../src/warnings/settings.ts';
import { createWarningService, type WarningService } from '../../src/warnings/warning-service.ts';
import { batchOf, createTestApp, makeSample, type TestApp } from '../support/test-app.ts';
import { openTestDatabase } from '../support/test-database.ts';
import { silentLog } from '../warnings/fixtures.ts';
import { csrfOf, FormClient } from './browser-client.ts';
import { answerLogTail, sendHeartbeat } from './log-tail-agent.ts';

/** The error shown beside a field of a form page. */
function fieldError(html: string, name: string): string | undefined {
  return new RegExp(`data-field="${name}"[\\s\\S]*?class="error"[^>]*>([^<]+)<`).exec(html)?.[1];
}

/** The table row of a warning on a page. */
function warningRow(html: string, warningId: number): string | undefined {
  return new RegExp(`<tr\\s+id="w${warningId}"[\\s\\S]*?</tr>`).exec(html)?.[0];
}

// The dashboard through the real collector app on a real (PGlite) database: it is a client of the
// admin API, so every form goes through the API's validation and rules.
const modules = routeModules.includes(dashboardRoutes) ? routeModules : [...routeModules, dashboardRoutes];

describe('dashboard', () => {
  let database: DatabaseHandle;
  let warnings: WarningService;
  let t: TestApp;
  let hostId = 0;
  let agentToken = '';
  const EVIL = '<script>alert("x")</script>';

  beforeAll(async () => {
    // The real warning engine, so that a down dependency holds its dependents' warnings as in production.
    database = await openTestDatabase('pglite');
    warnings = createWarningService({
      db: database.db,
      logger: silentLog,
      calendar: compileCalendar({ holidays: [] }),
      settings: DEFAULT_WARNING_SETTINGS,
    });
    t = await createTestApp('pglite', { modules, database, hooks: warnings.hooks });
    const host = await t.createHost({ name: `trade-01 ${EVIL}` });
    hostId = host.id;
    agentToken = host.agent_token;
    const monitor = await t.createMonitor(host.id, { name: `quote ${EVIL}` });
    const res = await t.agent(
      host.agent_token,
      'POST',
      '/agent/v1/samples',
      batchOf([makeSample(monitor.id)]),
    );
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await warnings?.close();
    await database?.close();
  });

  it('sends a browser without a session to the login page, and back after logging in', async () => {
    const browser = new FormClient(t.app);
    const first = await browser.get('/ui/monitors?host=1');
    expect(first.res.status).toBe(303);
    expect(first.res.headers.get('location')).toBe('/ui/login?next=%2Fui%2Fmonitors%3Fhost%3D1');
    const login = await browser.get('/ui/login?next=%2Fui%2Fmonitors%3Fhost%3D1');
    expect(login.res.status).toBe(200);
    expect(login.res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const loginCookie = login.res.headers.getSetCookie().find((c) => c.startsWith('pw_login='));
    expect(loginCookie).toMatch(/HttpOnly/);
    expect(loginCookie).toMatch(/SameSite=Strict/);

    const wrong = await browser.post('/ui/login', {
      _csrf: csrfOf(login.text),
      token: 'not-the-admin-token-at-all',
      next: '/ui/monitors?host=1',
    });
    expect(wrong.res.status).toBe(401);
    expect(wrong.text).toContain('not valid');

    const ok = await browser.post('/ui/login', {
      _csrf: csrfOf(wrong.text),
      token: t.adminToken,
      next: '/ui/monitors?host=1',
    });
    expect(ok.res.status).toBe(303);
    expect(ok.res.headers.get('location')).toBe('/ui/monitors?host=1');
    const session = ok.res.headers.getSetCookie().find((c) => c.startsWith('pw_session='));
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).toMatch(/Path=\//);
    expect(session).not.toMatch(/Secure/);
    expect((await browser.get('/ui')).res.status).toBe(200);
  });

  it('refuses a login form without its double-submit token, and never redirects off-site', async () => {
    const browser = new FormClient(t.app);
    await browser.get('/ui/login');
    const forged = await browser.post('/ui/login', { _csrf: 'forged', token: t.adminToken });
    expect(forged.res.status).toBe(403);
    expect(browser.cookies.has('pw_session')).toBe(false);
    const login = await browser.get('/ui/login');
    const res = await browser.post('/ui/login', {
      _csrf: csrfOf(login.text),
      token: t.adminToken,
      next: 'https://evil.example/',
    });
    expect(res.res.headers.get('location')).toBe('/ui');
  });

  it('shows hosts and monitors with every name escaped', async () => {
    const browser = new FormClient(t.app);
    await browser.login(t.adminToken);
    // The monitor form lists every monitor (by host) as a possible dependency.
    for (const path of ['/ui', '/ui/monitors', '/ui/hosts', '/ui/monitors/new']) {
      const page = await browser.get(path);
      expect(page.res.status, path).toBe(200);
      // Standards mode: without the doctype tables would not inherit the wall screen's font size.
      expect(page.text.startsWith('<!DOCTYPE html><html lang="en">'), path).toBe(true);
      expect(page.text, path).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(page.text, path).not.toContain(EVIL);
    }
    const monitors = await browser.get(`/ui/monitors?host=${hostId}&status=RUNNING`);
    expect(monitors.text).toMatch(/data-status="RUNNING"/);
  });

  it('shows a monitor with its charts and recent samples', async () => {
    const browser = new FormClient(t.app);
    await browser.login(t.adminToken);
    const list = await browser.get('/ui/monitors');
    const id = /href="\/ui\/monitors\/(\d+)"/.exec(list.text)?.[1];
    const detail = await browser.get(`/ui/monitors/${id}`);
    expect(detail.res.status).toBe(200);
    expect(detail.text).toContain('<svg');
    expect(detail.text).toContain('<polyline');
    expect(detail.text).toContain('Recent samples');
    expect((await browser.get('/ui/monitors/999999')).res.status).toBe(404);
  });

  it('puts validation errors beside the fields and keeps what was typed', async () => {
    const browser = new FormClient(t.app);
    const csrf = await browser.login(t.adminToken);
    const res = await browser.post('/ui/monitors/new', {
      _csrf: csrf,
      name: 'trader <b>7</b>',
      hostServerId: String(hostId),
      process_type: 'TRADER',
      command_pattern: '([unclosed',
      check_interval: '0',
      active: 'on',
    });
    expect(res.res.status).toBe(400);
    const field = (name: string) =>
      new RegExp(`data-field="${name}"[\\s\\S]*?class="error"[^>]*>([^<]+)<`).exec(res.text)?.[1];
    expect(field('command_pattern')).toMatch(/regular expression/);
    expect(field('fundAccountId')).toMatch(/TRADER/);
    expect(field('check_interval')).toMatch(/at least 1/);
    expect(res.text).toContain('value="trader &lt;b&gt;7&lt;/b&gt;"');
    expect(res.text).toContain('value="([unclosed"');
  });

  it('adds, edits and disables a monitor through the forms; the API agrees', async () => {
    const browser = new FormClient(t.app);
    const csrf = await browser.login(t.adminToken);
    const fields = {
      _csrf: csrf,
      name: 'XTP trader 001',
      hostServerId: String(hostId),
      process_type: 'TRADER',
      fundAccountId: 'account001',
      command_pattern: 'trader_tools.*account001',
      check_interval: '30',
      session_windows: '08:45-15:30, 20:45-02:35',
      active: 'on',
    };
    const unknownAccount = await browser.post('/ui/monitors/new', fields);
    expect(unknownAccount.res.status).toBe(400);
    expect(unknownAccount.text).toMatch(
      /data-field="fundAccountId"[\s\S]*?class="error"[^>]*>no fund account/,
    );
    expect((await t.admin('POST', '/api/v1/fund-accounts', { account: 'account001' })).status).toBe(201);
    const created = await browser.post('/ui/monitors/new', fields);
    expect(created.res.status, created.text).toBe(303);
    const id = Number(/\/ui\/monitors\/(\d+)$/.exec(created.res.headers.get('location') ?? '')?.[1]);
    const stored = await (await t.admin('GET', `/api/v1/monitors/${id}`)).json();
    expect(stored).toMatchObject({
      name: 'XTP trader 001',
      check_interval: 30,
      session_windows: ['08:45-15:30', '20:45-02:35'],
    });

    const duplicate = await browser.post('/ui/monitors/new', { ...fields, name: 'another' });
    expect(duplicate.res.status).toBe(400);
    expect(duplicate.text).toContain('Another monitor already has this host, fund account and type');

    const edit = await browser.get(`/ui/monitors/${id}/edit`);
    expect(edit.text).toContain('value="trader_tools.*account001"');
    const saved = await browser.post(`/ui/monitors/${id}/edit`, { ...fields, check_interval: '15' });
    expect(saved.res.status).toBe(303);
    const disabled = await browser.post(`/ui/monitors/${id}/active`, { _csrf: csrf, active: 'false' });
    expect(disabled.res.status).toBe(303);
    expect(await (await t.admin('GET', `/api/v1/monitors/${id}`)).json()).toMatchObject({
      check_interval: 15,
      active: false,
    });
  });

  it('adds a host and shows its agent token once', async () => {
    const browser = new FormClient(t.app);
    const csrf = await browser.login(t.adminToken);
    const bad = await browser.post('/ui/hosts/new', {
      _csrf: csrf,
      name: 'h',
      address: '-oProxyCommand=x',
      ssh_port: '22',
    });
    expect(bad.res.status).toBe(400);
    expect(bad.text).toMatch(/data-field="address"[\s\S]*?class="error"[^>]*>must be a host name/);
    const res = await browser.post('/ui/hosts/new', {
      _csrf: csrf,
      name: 'quote-02',
      address: '10.0.0.2',
      ssh_port: '22',
      active: 'on',
    });
    expect(res.res.status).toBe(200);
    const token = /data-agent-token[^>]*>([^<]+)</.exec(res.text)?.[1]?.trim();
    expect(token).toBeTruthy();
    const config = await t.agent(token ?? '', 'GET', '/agent/v1/config');
    expect(config.status).toBe(200);
  });

  it('refuses state changes without the CSRF token or from another site', async () => {
    const browser = new FormClient(t.app);
    const csrf = await browser.login(t.adminToken);
    const noToken = await browser.post('/ui/hosts/new', { name: 'x1', address: '10.0.0.9' });
    expect(noToken.res.status).toBe(403);
    const crossSite = await browser.post(
      '/ui/hosts/new',
      { _csrf: csrf, name: 'x2', address: '10.0.0.9' },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.res.status).toBe(403);
    const hosts = (await (await t.admin('GET', '/api/v1/hosts')).json()) as { items: { name: string }[] };
    expect(hosts.items.map((h) => h.name)).not.toContain('x1');
    expect(hosts.items.map((h) => h.name)).not.toContain('x2');
  });

  it('"check now" reports the API’s answer on the monitor page', async () => {
    const browser = new FormClient(t.app);
    const csrf = await browser.login(t.adminToken);
    const list = await browser.get('/ui/monitors');
    const id = /href="\/ui\/monitors\/(\d+)"/.exec(list.text)?.[1];
    // No agent is connected and no SSH is configured here: the API refuses, the page says why.
    const res = await browser.post(`/ui/monitors/${id}/check`, { _csrf: csrf });
    expect(res.res.status).toBe(303);
    const detail = await browser.get(`/ui/monitors/${id}`);
    expect(detail.text).toMatch(/class="flash error"[^>]*>Check failed: /);
  });

  it('ends the session at logout', async () => {
    const browser = new FormClient(t.app);
    const csrf = await browser.login(t.adminToken);
    const out = await browser.post('/ui/logout', { _csrf: csrf });
    expect(out.res.status).toBe(303);
    expect((await browser.get('/ui')).res.status).toBe(303);
  });
  let seq = 100;
  let clock = Date.now() - 600_000;
  /** A sample one second after the previous one, whatever the monitor. */
  function sampleAt(monitorId: number, status: Sample['status'], fields: Partial<Sample> = {}): Sample {
    clock += 1000;
    const running = status === 'RUNNING';
    return makeSample(monitorId, {
      seq: ++seq,
      status,
      checked_at: new Date(clock).toISOString(),
      start_time: running ? new Date(clock - 3_600_000).toISOString() : null,
      pid: running ? 4242 : null,
      cpu_percent: running ? 1 : null,
      memory_percent: running ? 1 : null,
      memory_used_mb: running ? 10 : null,
      uptime_seconds: running ? 3600 : null,
      process_count: running ? 1 : 0,
      ...fields,
    });
  }
  async function report(token: string, samples: Sample[]) {
    const res = await t.agent(token, 'POST', '/agent/v1/samples', batchOf(samples));
    expect(res.status, await res.clone().text()).toBe(200);
  }
  const monitorOf = async (id: number) =>
    (await (await t.admin('GET', `/api/v1/monitors/${id}`)).json()) as Monitor;

  it('saves restart action, log file, probe and dependencies through the form; the API agrees', async () => {
    const browser = new FormClient(t.app);
    const csrf = await browser.login(t.adminToken);
    const feedHost = await t.createHost({ name: 'md-host' });
    const feed = await t.createMonitor(feedHost.id, { name: 'md-feed' });
    const gateway = await t.createMonitor(hostId, { name: 'gateway', depends_on: [feed.id] });
    const form = await browser.get('/ui/monitors/new');
    expect(form.text).toContain(
      `<optgroup label="md-host"><option value="${feed.id}">md-feed (#${feed.id})</option>`,
    );
    const fields = {
      _csrf: csrf,
      name: 'trader with deps',
      hostServerId: String(hostId),
      process_type: 'CUSTOM',
      process_name: 'trader_dep',
      check_interval: '60',
      restart_action: 'restart-trader',
      log_file: '/var/log/trader/dep.log',
      probe_kind: 'tcp',
      probe_target: '127.0.0.1:9000',
      probe_failures: '2',
      depends_on: [String(gateway.id), String(feed.id)],
      active: 'on',
    };
    const badProbe = await browser.post('/ui/monitors/new', { ...fields, probe_target: '127.0.0.1:70000' });
    expect(badProbe.res.status).toBe(400);
    expect(fieldError(badProbe.text, 'probe_target')).toMatch(/^port too big/);
    const created = await browser.post('/ui/monitors/new', fields);
    expect(created.res.status, created.text).toBe(303);
    const id = Number(/\/ui\/monitors\/(\d+)$/.exec(created.res.headers.get('location') ?? '')?.[1]);
    expect(await monitorOf(id)).toMatchObject({
      restart_action: 'restart-trader',
      log_file: '/var/log/trader/dep.log',
      probe: { kind: 'tcp', host: '127.0.0.1', port: 9000, timeout_ms: 2000, failures: 2 },
      depends_on: [feed.id, gateway.id].sort((a, b) => a - b),
    });

    // The edit form shows what is stored and never offers the monitor itself; emptied fields are cleared.
    const edit = await browser.get(`/ui/monitors/${id}/edit`);
    expect(edit.text).toContain('value="127.0.0.1:9000"');
    expect(edit.text).toContain(`<option value="${feed.id}" selected="">`);
    expect(edit.text).toContain(`<option value="${gateway.id}" selected="">`);
    expect(edit.text).not.toContain(`<option value="${id}"`);
    const saved = await browser.post(`/ui/monitors/${id}/edit`, {
      ...fields,
      probe_kind: 'none',
      log_file: '',
      depends_on: [String(feed.id)],
    });
    expect(saved.res.status, saved.text).toBe(303);
    expect(await monitorOf(id)).toMatchObject({
      restart_action: 'restart-trader',
      log_file: null,
      probe: null,
      depends_on: [feed.id],
    });
  });

  it('shows a dependency cycle beside depends_on, keeps the choice, and saves nothing', async () => {
    const browser = new FormClient(t.app);
    const csrf = await browser.login(t.adminToken);
    const a = await t.createMonitor(hostId, { name: 'cycle-a' });
    const b = await t.createMonitor(hostId, { name: 'cycle-b', depends_on: [a.id] });
    const res = await browser.post(`/ui/monitors/${a.id}/edit`, {
      _csrf: csrf,
      name: 'cycle-a',
      hostServerId: String(hostId),
      process_type: 'QUOTE',
      process_name: 'quote_server',
      check_interval: '60',
      depends_on: [String(b.id)],
      active: 'on',
    });
    expect(res.res.status).toBe(400);
    expect(fieldError(res.text, 'depends_on')).toBe(
      `would make a dependency cycle: #${a.id} &quot;cycle-a&quot; → #${b.id} &quot;cycle-b&quot; → #${a.id} &quot;cycle-a&quot;`,
    );
    expect(res.text).toContain('Please correct the fields marked below.');
    expect(res.text).toContain(`<option value="${b.id}" selected="">`);
    expect((await monitorOf(a.id)).depends_on).toEqual([]);
  });

  it('lists on a monitor page what it depends on and what needs it, with their status', async () => {
    const browser = new FormClient(t.app);
    await browser.login(t.adminToken);
    const feed = await t.createMonitor(hostId, { name: 'rel-feed' });
    const gateway = await t.createMonitor(hostId, {
      name: 'rel-gateway',
      depends_on: [feed.id],
      restart_action: 'restart-gw',
      log_file: '/var/log/gw/gw.log',
      probe: { kind: 'http', url: 'http://127.0.0.1:8080/health' },
    });
    const trader = await t.createMonitor(hostId, { name: 'rel-trader', depends_on: [gateway.id] });
    await report(agentToken, [
      sampleAt(feed.id, 'RUNNING'),
      sampleAt(gateway.id, 'NOT_FOUND', {
        restart_events: [
          {
            event_id: crypto.randomUUID(),
            kind: 'RESTART_DEFERRED',
            action: 'restart-gw',
            attempt: 0,
            at: new Date(clock).toISOString(),
            duration_ms: null,
            message: 'waiting for rel-feed',
          },
        ],
      }),
    ]);
    const page = await browser.get(`/ui/monitors/${gateway.id}`);
    expect(page.res.status).toBe(200);
    const list = (relation: string) =>
      new RegExp(`data-relation="${relation}">([\\s\\S]*?)</ul>`).exec(page.text)?.[1] ?? '';
    expect(list('depends-on')).toContain(`href="/ui/monitors/${feed.id}">rel-feed</a>`);
    expect(list('depends-on')).toContain('data-status="RUNNING"');
    expect(list('needed-by')).toContain(`href="/ui/monitors/${trader.id}">rel-trader</a>`);
    expect(list('needed-by')).toContain('data-status="NONE"');
    expect(list('needed-by')).not.toContain('rel-feed');
    expect(page.text).toContain('<code>restart-gw</code>');
    expect(page.text).toContain('HTTP GET http://127.0.0.1:8080/health expecting 200 · timeout 2000 ms');
    expect(page.text).toContain('<code>/var/log/gw/gw.log</code>');
    expect(page.text).toMatch(
      /<tr data-event="RESTART_DEFERRED">[\s\S]*?restart deferred: waiting for a dependency[\s\S]*?waiting for rel-feed/,
    );
    // The feed needs nothing and is needed by the gateway only.
    const feedPage = await browser.get(`/ui/monitors/${feed.id}`);
    expect(feedPage.text).not.toContain('data-relation="depends-on"');
    expect(feedPage.text).toContain(`href="/ui/monitors/${gateway.id}">rel-gateway</a>`);
  });

  it('shows a held warning as held and caused by its dependency, and counts it apart', async () => {
    const browser = new FormClient(t.app);
    await browser.login(t.adminToken);
    const feedHost = await t.createHost({ name: 'held-feed-host' });
    const feed = await t.createMonitor(feedHost.id, { name: 'held-md-feed' });
    const trader = await t.createMonitor(hostId, { name: 'held-trader', depends_on: [feed.id] });
    await report(feedHost.agent_token, [sampleAt(feed.id, 'RUNNING')]);
    await report(agentToken, [sampleAt(trader.id, 'RUNNING')]);
    await report(feedHost.agent_token, [sampleAt(feed.id, 'NOT_FOUND')]);
    await report(agentToken, [sampleAt(trader.id, 'NOT_FOUND')]);
    const warningOf = async (monitorId: number) =>
      (await (await t.admin('GET', `/api/v1/warnings?processMonitorId=${monitorId}`)).json()).items[0];
    const held = await warningOf(trader.id);
    const cause = await warningOf(feed.id);
    expect(held).toMatchObject({ status: 'OPEN', suppressed_by: feed.id });
    expect(cause).toMatchObject({ status: 'OPEN', suppressed_by: null });

    const badge = `held — caused by <a href="/ui/monitors/${feed.id}">held-md-feed</a> on held-feed-host`;
    const all = await browser.get('/ui/warnings');
    expect(warningRow(all.text, held.id)).toContain('data-held="true"');
    expect(warningRow(all.text, held.id)).toContain(badge);
    expect(warningRow(all.text, cause.id)).not.toContain('held — caused by');
    const onlyHeld = await browser.get('/ui/warnings?held=true');
    expect(warningRow(onlyHeld.text, held.id)).toBeDefined();
    expect(warningRow(onlyHeld.text, cause.id)).toBeUndefined();
    const notHeld = await browser.get('/ui/warnings?held=false');
    expect(warningRow(notHeld.text, held.id)).toBeUndefined();
    expect(warningRow(notHeld.text, cause.id)).toBeDefined();

    expect((await browser.get(`/ui/monitors/${trader.id}`)).text).toContain(badge);

    // The overview counts held warnings apart, and says in "Not running" what explains the trader.
    const count = async (suppressed: boolean) =>
      (await (await t.admin('GET', `/api/v1/warnings?status=OPEN&suppressed=${suppressed}`)).json()).items
        .length;
    const overview = await browser.get('/ui');
    const card = (key: string) =>
      Number(new RegExp(`data-count="${key}"><div class="n">(\\d+)<`).exec(overview.text)?.[1]);
    expect(card('held-warnings')).toBe(await count(true));
    expect(card('warnings')).toBe(await count(false));
    expect(card('held-warnings')).toBeGreaterThanOrEqual(1);
    const notRunning = (name: string) =>
      new RegExp(`<tr data-monitor="${name}">[\\s\\S]*?</tr>`).exec(overview.text)?.[0] ?? '';
    expect(notRunning('held-trader')).toContain(badge);
    expect(notRunning('held-md-feed')).toContain('holds 1 dependent&#39;s warning');
  });

  it('fetches a log tail on the monitor page: the API’s refusal as a message, the lines escaped', async () => {
    const browser = new FormClient(t.app);
    const csrf = await browser.login(t.adminToken);
    const host = await t.createHost({ name: 'log-host' });
    const none = await t.createMonitor(host.id, { name: 'no-log' });
    expect((await browser.get(`/ui/monitors/${none.id}`)).text).toContain('No log file set');
    const refused = await browser.post(`/ui/monitors/${none.id}/log-tail`, { _csrf: csrf, lines: '50' });
    expect(refused.res.status).toBe(409);
    expect(refused.text).toMatch(/class="flash error"[^>]*>Log tail not fetched: [^<]*has no log_file/);

    const monitor = await t.createMonitor(host.id, { name: 'with-log', log_file: '/var/log/md/md.log' });
    const badLines = await browser.post(`/ui/monitors/${monitor.id}/log-tail`, { _csrf: csrf, lines: '0' });
    expect(badLines.res.status).toBe(400);
    expect(badLines.text).toMatch(/class="flash error"[^>]*>Log tail not fetched: /);
    const offline = await browser.post(`/ui/monitors/${monitor.id}/log-tail`, { _csrf: csrf, lines: '50' });
    expect(offline.text).toMatch(/Log tail not fetched: [^<]*offline/);

    // The host's agent, through the agent API: a heartbeat, then it answers the log_tail command.
    await sendHeartbeat(t, host.agent_token);
    const shown = browser.post(`/ui/monitors/${monitor.id}/log-tail`, { _csrf: csrf, lines: '2' });
    const command = await answerLogTail(t, host.agent_token, { text: `${EVIL}\nlast line`, truncated: true });
    expect(command).toMatchObject({ processMonitorId: monitor.id, max_lines: 2 });
    const page = await shown;
    expect(page.res.status).toBe(200);
    expect(page.text).toContain(
      '<pre class="log" data-log-tail="true">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\nlast line</pre>',
    );
    expect(page.text).not.toContain(EVIL);
    expect(page.text).toContain('older lines left out');
    // Reading a log, the page must not swap itself for a fresh one (which would drop the lines).
    expect(page.text).not.toMatch(/data-refresh=|http-equiv="refresh"/);
  });
});
