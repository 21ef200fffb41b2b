import { gunzipSync } from 'node:zlib';
import type { Host, HostWithToken, Monitor, Problem } from '@procwatch/shared';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, createTestApp, makeSample, type TestApp } from '../support/test-app.ts';
import { testBackends } from '../support/test-database.ts';

async function problem(res: Response): Promise<Problem> {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as Problem;
}

function paths(p: Problem): string[] {
  return (p.errors ?? []).map((e) => e.path);
}

const HOUR_MS = 3_600_000;

describe.each(testBackends())('admin API on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('authentication', () => {
    it('answers 401 without a token or with a wrong one, never leaking which', async () => {
      const none = await t.app.request('/api/v1/hosts');
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="procwatch-admin"/);
      expect((await problem(none)).code).toBe('missing_token');
      for (const token of ['wrong-token-of-some-length', `${t.adminToken}x`, t.adminToken.slice(0, -1)]) {
        const res = await t.agent(token, 'GET', '/api/v1/hosts');
        expect(res.status).toBe(401);
        expect((await problem(res)).code).toBe('invalid_token');
      }
    });

    it('refuses agent tokens on the admin API and the admin token on the agent API', async () => {
      const host = await t.createHost();
      expect((await t.agent(host.agent_token, 'GET', '/api/v1/hosts')).status).toBe(401);
      expect((await t.admin('GET', '/agent/v1/config')).status).toBe(401);
    });

    it('answers 429 to an address after repeated bad tokens, while others go on', async () => {
      await using limited = await createTestApp(backend, {
        database: t.database,
        adminToken: t.adminToken,
        env: { PROCWATCH_AUTH_FAILURE_LIMIT: '3' },
      });
      const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } }) as never;
      const bad = { headers: { authorization: 'Bearer not-the-token-at-all' } };
      for (let i = 0; i < 3; i += 1) {
        expect((await limited.app.request('/api/v1/hosts', bad, from('10.0.0.1'))).status).toBe(401);
      }
      const blocked = await limited.app.request('/api/v1/hosts', bad, from('10.0.0.1'));
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      const good = { headers: { authorization: `Bearer ${limited.adminToken}` } };
      expect((await limited.app.request('/api/v1/hosts', good, from('10.0.0.1'))).status).toBe(429);
      expect((await limited.app.request('/api/v1/hosts', good, from('10.0.0.2'))).status).toBe(200);
    });
  });

  describe('hosts', () => {
    it('round-trips create, read, list, update, rotate and delete; the token is shown only on create/rotate', async () => {
      const created = await t.admin('POST', '/api/v1/hosts', {
        name: 'trade-01',
        address: '10.1.2.3',
        ssh_port: 2222,
        ssh_user: 'monitor',
        ssh_host_key: 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
        ssh_host_key_policy: 'PINNED',
        heartbeat_timeout_seconds: 60,
        remark: 'rack 4',
      });
      expect(created.status).toBe(201);
      const host = (await created.json()) as HostWithToken;
      expect(host).toMatchObject({
        name: 'trade-01',
        ssh_port: 2222,
        agent_online: false,
        last_heartbeat_at: null,
      });
      expect(host.agent_token).toMatch(/^pwa_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);

      const read = (await (await t.admin('GET', `/api/v1/hosts/${host.id}`)).json()) as Host;
      expect(read).not.toHaveProperty('agent_token');
      // The secret is everything after the second underscore (base64url may contain more of them).
      const secret = host.agent_token.slice(host.agent_token.indexOf('_', 4) + 1);
      expect(secret).toHaveLength(43);
      expect(JSON.stringify(read)).not.toContain(secret);
      const list = (await (await t.admin('GET', '/api/v1/hosts')).json()) as { items: Host[] };
      expect(list.items.map((h) => h.name)).toContain('trade-01');

      const patched = await t.admin('PATCH', `/api/v1/hosts/${host.id}`, { remark: null, active: false });
      expect(patched.status).toBe(200);
      expect(await patched.json()).toMatchObject({ remark: null, active: false, ssh_port: 2222 });

      expect((await t.agent(host.agent_token, 'GET', '/agent/v1/config')).status).toBe(200);
      const rotated = (await (
        await t.admin('POST', `/api/v1/hosts/${host.id}/rotate-token`)
      ).json()) as HostWithToken;
      expect(rotated.agent_token).not.toBe(host.agent_token);
      expect((await t.agent(host.agent_token, 'GET', '/agent/v1/config')).status).toBe(401);
      expect((await t.agent(rotated.agent_token, 'GET', '/agent/v1/config')).status).toBe(200);

      expect((await t.admin('DELETE', `/api/v1/hosts/${host.id}`)).status).toBe(204);
      const gone = await t.admin('GET', `/api/v1/hosts/${host.id}`);
      expect(gone.status).toBe(404);
      expect((await problem(gone)).code).toBe('not_found');
    });

    it('answers 400 naming each bad field, and rejects unknown fields', async () => {
      const res = await t.admin('POST', '/api/v1/hosts', {
        name: '',
        address: '-oProxyCommand=x',
        ssh_port: 70_000,
        ssh_host_key_policy: 'SOMETIMES',
        hostname: 'typo',
      });
      expect(res.status).toBe(400);
      const body = await problem(res);
      expect(body.code).toBe('validation_failed');
      expect(paths(body)).toEqual(
        expect.arrayContaining(['name', 'address', 'ssh_port', 'ssh_host_key_policy']),
      );
      expect(body.errors!.some((e) => e.message.includes('hostname'))).toBe(true);
    });

    it('answers 409 on a duplicate name and on deleting a host that has monitors', async () => {
      const host = await t.createHost({ name: 'dup-host' });
      const dup = await t.admin('POST', '/api/v1/hosts', { name: 'dup-host', address: 'h2' });
      expect(dup.status).toBe(409);
      expect(await problem(dup)).toMatchObject({ code: 'host_name_taken', errors: [{ path: 'name' }] });
      await t.createMonitor(host.id);
      const del = await t.admin('DELETE', `/api/v1/hosts/${host.id}`);
      expect(del.status).toBe(409);
      expect((await problem(del)).code).toBe('host_has_monitors');
    });

    it('validates path ids', async () => {
      for (const id of ['abc', '0', '-1', '1.5', '99999999999']) {
        const res = await t.admin('GET', `/api/v1/hosts/${id}`);
        expect(res.status, id).toBe(400);
        expect(paths(await problem(res))).toEqual(['id']);
      }
    });
  });

  describe('fund accounts', () => {
    it('round-trips CRUD, 409 on a duplicate key and on deleting one in use', async () => {
      const created = await t.admin('POST', '/api/v1/fund-accounts', {
        account: 'acct-001',
        name: 'Alpha',
        broker: 'XTP',
      });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({
        account: 'acct-001',
        name: 'Alpha',
        broker: 'XTP',
        remark: null,
      });
      expect((await t.admin('GET', '/api/v1/fund-accounts/acct-001')).status).toBe(200);
      const patched = await t.admin('PATCH', '/api/v1/fund-accounts/acct-001', { remark: 'main' });
      expect(await patched.json()).toMatchObject({ remark: 'main', name: 'Alpha' });
      const renamed = await t.admin('PATCH', '/api/v1/fund-accounts/acct-001', { account: 'other' });
      expect(renamed.status).toBe(400);

      const dup = await t.admin('POST', '/api/v1/fund-accounts', { account: 'acct-001' });
      expect(dup.status).toBe(409);
      expect((await problem(dup)).code).toBe('fund_account_exists');

      const host = await t.createHost();
      await t.createMonitor(host.id, { process_type: 'TRADER', fundAccountId: 'acct-001' });
      const inUse = await t.admin('DELETE', '/api/v1/fund-accounts/acct-001');
      expect(inUse.status).toBe(409);
      expect((await problem(inUse)).code).toBe('fund_account_in_use');

      await t.admin('POST', '/api/v1/fund-accounts', { account: 'acct-free' });
      expect((await t.admin('DELETE', '/api/v1/fund-accounts/acct-free')).status).toBe(204);
      expect((await t.admin('GET', '/api/v1/fund-accounts/acct-free')).status).toBe(404);
      const list = (await (await t.admin('GET', '/api/v1/fund-accounts')).json()) as {
        items: { account: string }[];
      };
      expect(list.items.map((a) => a.account)).toContain('acct-001');
    });
  });

  describe('monitors', () => {
    let host: HostWithToken;
    beforeAll(async () => {
      host = await t.createHost();
      await t.admin('POST', '/api/v1/fund-accounts', { account: 'account001' });
    });

    it("creates the design note's example with its field names, reads, lists with filters and updates it", async () => {
      const res = await t.admin('POST', '/api/v1/monitors', {
        name: 'XTP交易程序-账户001',
        process_type: 'TRADER',
        hostServerId: host.id,
        fundAccountId: 'account001',
        process_name: 'trader_tools',
        command_pattern: 'trader_tools.*account001',
        active: true,
        check_interval: 60,
        session_windows: ['08:45-15:30', '20:45-02:35'],
      });
      expect(res.status).toBe(201);
      const monitor = (await res.json()) as Monitor;
      expect(monitor).toMatchObject({
        process_type: 'TRADER',
        hostServerId: host.id,
        fundAccountId: 'account001',
        pid_file: null,
        session_windows: ['08:45-15:30', '20:45-02:35'],
      });
      const quote = await t.createMonitor(host.id, {
        name: '行情程序',
        process_name: 'quote_server',
        active: false,
      });

      const get = await t.admin('GET', `/api/v1/monitors/${monitor.id}`);
      expect(await get.json()).toEqual(monitor);

      const ids = async (query: string) =>
        (
          (await (await t.admin('GET', `/api/v1/monitors?${query}`)).json()) as { items: Monitor[] }
        ).items.map((m) => m.id);
      expect(await ids(`hostServerId=${host.id}`)).toEqual(expect.arrayContaining([monitor.id, quote.id]));
      expect(await ids(`hostServerId=${host.id}&process_type=TRADER`)).toEqual([monitor.id]);
      expect(await ids(`hostServerId=${host.id}&active=false`)).toEqual([quote.id]);
      expect(await ids('fundAccountId=account001')).toEqual([monitor.id]);
      expect(await ids(`hostServerId=${host.id}&process_type=TRADER,QUOTE`)).toHaveLength(2);
      const badFilter = await t.admin('GET', '/api/v1/monitors?process_type=TRADERS&active=yes&host=1');
      expect(badFilter.status).toBe(400);
      expect(paths(await problem(badFilter))).toEqual(expect.arrayContaining(['process_type', 'active']));

      const patched = await t.admin('PATCH', `/api/v1/monitors/${monitor.id}`, {
        check_interval: 5,
        remark: 'x',
      });
      expect(await patched.json()).toMatchObject({ check_interval: 5, remark: 'x', name: monitor.name });
      // The merged record must still pass the create rules.
      const broken = await t.admin('PATCH', `/api/v1/monitors/${monitor.id}`, { fundAccountId: null });
      expect(broken.status).toBe(400);
      expect(paths(await problem(broken))).toEqual(['fundAccountId']);
      const noSelector = await t.admin('PATCH', `/api/v1/monitors/${quote.id}`, { process_name: null });
      expect(paths(await problem(noSelector))).toEqual(['process_name']);
    });

    it('answers 400 with field names, 400 for an unknown host, 409 on the unique (host, fund account, type)', async () => {
      const bad = await t.admin('POST', '/api/v1/monitors', {
        name: 'x',
        process_type: 'TRADER',
        hostServerId: host.id,
        command_pattern: '([unclosed',
        check_interval: 0,
        checkInterval: 5,
      });
      expect(bad.status).toBe(400);
      const body = await problem(bad);
      expect(paths(body)).toEqual(expect.arrayContaining(['command_pattern', 'check_interval']));

      const unknownHost = await t.admin('POST', '/api/v1/monitors', {
        name: 'x',
        process_type: 'QUOTE',
        hostServerId: 999_999,
        process_name: 'x',
      });
      expect(unknownHost.status).toBe(400);
      expect(await problem(unknownHost)).toMatchObject({
        code: 'unknown_reference',
        errors: [{ path: 'hostServerId' }],
      });
      const unknownAccount = await t.admin('POST', '/api/v1/monitors', {
        name: 'x',
        process_type: 'TRADER',
        hostServerId: host.id,
        fundAccountId: 'nobody',
        process_name: 'x',
      });
      expect(await problem(unknownAccount)).toMatchObject({
        code: 'unknown_reference',
        errors: [{ path: 'fundAccountId' }],
      });

      await t.admin('POST', '/api/v1/fund-accounts', { account: 'acct-unique' });
      const fields = {
        name: 'a',
        process_type: 'TRADER',
        hostServerId: host.id,
        fundAccountId: 'acct-unique',
        process_name: 'x',
      };
      expect((await t.admin('POST', '/api/v1/monitors', fields)).status).toBe(201);
      const dup = await t.admin('POST', '/api/v1/monitors', { ...fields, name: 'b' });
      expect(dup.status).toBe(409);
      expect((await problem(dup)).code).toBe('monitor_exists');
    });

    it('keeps a monitor with history (409) unless with_history=true, which removes the history too', async () => {
      const monitor = await t.createMonitor(host.id);
      const empty = await t.createMonitor(host.id);
      expect((await t.admin('DELETE', `/api/v1/monitors/${empty.id}`)).status).toBe(204);

      await t.agent(host.agent_token, 'POST', '/agent/v1/samples', batchOf([makeSample(monitor.id)]));
      const refused = await t.admin('DELETE', `/api/v1/monitors/${monitor.id}`);
      expect(refused.status).toBe(409);
      expect((await problem(refused)).code).toBe('monitor_has_history');
      expect((await t.admin('DELETE', `/api/v1/monitors/${monitor.id}?with_history=maybe`)).status).toBe(400);
      expect((await t.admin('DELETE', `/api/v1/monitors/${monitor.id}?with_history=true`)).status).toBe(204);
      expect((await t.admin('GET', `/api/v1/monitors/${monitor.id}`)).status).toBe(404);
      const rows = await t.database.db
        .selectFrom('ProcessStatus')
        .select('id')
        .where('processMonitorId', '=', monitor.id)
        .execute();
      expect(rows).toHaveLength(0);
    });
  });

  describe('status and history', () => {
    it('lists every monitor with its current status, filtered by host, type, status and stale', async () => {
      const host = await t.createHost({ heartbeat_timeout_seconds: 30 });
      const other = await t.createHost();
      const running = await t.createMonitor(host.id, { name: 'a-running', check_interval: 10 });
      const down = await t.createMonitor(host.id, {
        name: 'b-down',
        process_type: 'COMMUNICATION',
        check_interval: 10,
      });
      const old = await t.createMonitor(host.id, { name: 'c-old', check_interval: 10 });
      const never = await t.createMonitor(host.id, { name: 'd-never' });
      await t.createMonitor(other.id, { name: 'elsewhere' });
      const now = Date.now();
      const res = await t.agent(
        host.agent_token,
        'POST',
        '/agent/v1/samples',
        batchOf([
          makeSample(running.id, { checked_at: new Date(now - 1000).toISOString() }),
          makeSample(down.id, {
            status: 'NOT_FOUND',
            pid: null,
            checked_at: new Date(now - 1000).toISOString(),
          }),
          makeSample(old.id, { checked_at: new Date(now - HOUR_MS).toISOString() }),
        ]),
      );
      expect(res.status).toBe(200);

      const list = async (query = '') => {
        const r = await t.admin('GET', `/api/v1/status?hostServerId=${host.id}${query}`);
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toMatch(/^application\/json/);
        return (await r.json()) as { generated_at: string; items: Record<string, unknown>[] };
      };
      const all = await list();
      expect(all.items.map((i) => i.name)).toEqual(['a-running', 'b-down', 'c-old', 'd-never']);
      expect(all.items[0]).toMatchObject({
        processMonitorId: running.id,
        host_name: host.name,
        status: 'RUNNING',
        pid: 4242,
        source: 'AGENT',
        stale: false,
      });
      expect(all.items[0]!.checked_at).toBe(new Date(now - 1000).toISOString());
      expect(all.items[3]).toMatchObject({
        processMonitorId: never.id,
        status: null,
        checked_at: null,
        stale: true,
      });
      expect((await list('&status=NOT_FOUND')).items.map((i) => i.name)).toEqual(['b-down']);
      expect((await list('&process_type=COMMUNICATION')).items.map((i) => i.name)).toEqual(['b-down']);
      expect((await list('&stale=true')).items.map((i) => i.name)).toEqual(['c-old', 'd-never']);
      expect((await list('&stale=false&status=RUNNING')).items.map((i) => i.name)).toEqual(['a-running']);

      const bad = await t.admin('GET', '/api/v1/status?status=DEAD&stale=1&foo=bar');
      expect(bad.status).toBe(400);
      expect(paths(await problem(bad))).toEqual(expect.arrayContaining(['status', 'stale']));
    });

    it('serves the list again within the cache time, single-flight, and gzip-encoded on request', async () => {
      await using cached = await createTestApp(backend, {
        database: t.database,
        adminToken: t.adminToken,
        env: { PROCWATCH_STATUS_CACHE_MS: '60000' },
      });
      const host = await cached.createHost();
      const monitor = await cached.createMonitor(host.id);
      const [a, b] = await Promise.all([
        cached.admin('GET', `/api/v1/status?hostServerId=${host.id}`),
        cached.admin('GET', `/api/v1/status?hostServerId=${host.id}`),
      ]);
      const first = (await a.json()) as { generated_at: string; items: { status: string | null }[] };
      expect(((await b.json()) as { generated_at: string }).generated_at).toBe(first.generated_at);
      expect(first.items).toEqual([expect.objectContaining({ processMonitorId: monitor.id, status: null })]);
      await cached.agent(host.agent_token, 'POST', '/agent/v1/samples', batchOf([makeSample(monitor.id)]));
      const again = await cached.admin('GET', `/api/v1/status?hostServerId=${host.id}`, undefined, {
        'accept-encoding': 'gzip, deflate',
      });
      expect(again.headers.get('content-encoding')).toBe('gzip');
      expect(again.headers.get('vary')).toBe('Accept-Encoding');
      const decoded = JSON.parse(gunzipSync(Buffer.from(await again.arrayBuffer())).toString('utf8'));
      expect(decoded).toEqual(first);
      // Another filter is another entry, made now: it sees the sample.
      const fresh = await cached.admin('GET', `/api/v1/status?hostServerId=${host.id}&active=true`);
      expect(((await fresh.json()) as { items: { status: string }[] }).items[0]?.status).toBe('RUNNING');
    });

    it('pages history newest first with a keyset cursor, within from/to and trade_day', async () => {
      const host = await t.createHost();
      const monitor = await t.createMonitor(host.id);
      const base = Date.now() - 10 * 60_000;
      const samples = Array.from({ length: 25 }, (_, i) =>
        makeSample(monitor.id, {
          seq: i + 1,
          checked_at: new Date(base + i * 1000).toISOString(),
          trade_day: i < 5 ? '20261127' : '20261130',
        }),
      );
      await t.agent(host.agent_token, 'POST', '/agent/v1/samples', batchOf(samples));

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `limit=10${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await t.admin('GET', `/api/v1/monitors/${monitor.id}/history?${query}`);
        expect(res.status).toBe(200);
        const page = (await res.json()) as {
          items: { checked_at: string; sample_id: string }[];
          next_cursor: string | null;
        };
        seen.push(...page.items.map((i) => i.checked_at));
        cursor = page.next_cursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(samples.map((s) => new Date(s.checked_at).toISOString()).reverse());

      const window = await t.admin(
        'GET',
        `/api/v1/monitors/${monitor.id}/history?from=${new Date(base + 3000).toISOString()}&to=${new Date(base + 6000).toISOString()}`,
      );
      const windowItems = ((await window.json()) as { items: { seq: number }[] }).items;
      expect(windowItems.map((i) => i.seq)).toEqual([6, 5, 4]);
      const day = await t.admin('GET', `/api/v1/monitors/${monitor.id}/history?trade_day=20261127`);
      expect(((await day.json()) as { items: unknown[] }).items).toHaveLength(5);

      const badCursor = await t.admin('GET', `/api/v1/monitors/${monitor.id}/history?cursor=garbage`);
      expect(badCursor.status).toBe(400);
      expect(paths(await problem(badCursor))).toEqual(['cursor']);
      const badRange = await t.admin(
        'GET',
        `/api/v1/monitors/${monitor.id}/history?limit=0&trade_day=2026-11-27`,
      );
      expect(paths(await problem(badRange))).toEqual(expect.arrayContaining(['limit', 'trade_day']));
      expect((await t.admin('GET', '/api/v1/monitors/999999/history')).status).toBe(404);
    });
  });

  describe('HTTP edges', () => {
    it('answers unknown routes 404, wrong methods 405 with Allow, as problems', async () => {
      const unknown = await t.admin('GET', '/api/v1/nothing-here');
      expect(unknown.status).toBe(404);
      expect((await problem(unknown)).code).toBe('route_not_found');
      const wrong = await t.admin('PUT', '/api/v1/hosts');
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
      expect((await problem(wrong)).code).toBe('method_not_allowed');
      expect((await t.admin('DELETE', '/agent/v1/samples')).headers.get('allow')).toBe('POST');
    });

    it('answers malformed JSON 400, wrong content types 415, oversized bodies 413', async () => {
      const malformed = await t.admin('POST', '/api/v1/hosts', '{"name": "x",');
      expect(malformed.status).toBe(400);
      expect((await problem(malformed)).code).toBe('malformed_json');
      const text = await t.admin('POST', '/api/v1/hosts', '{"name":"x","address":"y"}', {
        'content-type': 'text/plain',
      });
      expect(text.status).toBe(415);
      const none = await t.app.request('/api/v1/hosts', {
        method: 'POST',
        headers: { authorization: `Bearer ${t.adminToken}` },
        body: '{"name":"x","address":"y"}',
      });
      expect(none.status).toBe(415);
      const huge = await t.admin('POST', '/api/v1/hosts', {
        name: 'x',
        address: 'y',
        remark: 'r'.repeat(2 * 1024 * 1024),
      });
      expect(huge.status).toBe(413);
      const nul = await t.admin('POST', '/api/v1/hosts', { name: 'x\u0000y', address: 'y' });
      expect(nul.status).toBe(400);
      expect(paths(await problem(nul))).toEqual(['name']);
    });

    it('serves /healthz and /readyz without a token', async () => {
      expect(await (await t.app.request('/healthz')).json()).toEqual({ status: 'ok' });
      expect(await (await t.app.request('/readyz')).json()).toEqual({ status: 'ready' });
    });

    it('serves an OpenAPI 3.1 document that passes a validator, and a page rendering it without external assets', async () => {
      const res = await t.app.request('/api/v1/openapi.json');
      expect(res.status).toBe(200);
      const spec = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
      expect(spec.openapi).toBe('3.1.0');
      for (const path of [
        '/agent/v1/samples',
        '/api/v1/hosts/{id}/rotate-token',
        '/api/v1/status',
        '/api/v1/monitors/{id}/history',
      ]) {
        expect(spec.paths).toHaveProperty([path]);
      }
      const validator = new Validator();
      const result = await validator.validate(spec);
      expect(result.errors).toBeUndefined();
      expect(result.valid).toBe(true);

      const page = await t.app.request('/api/v1/docs');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain('/api/v1/monitors/{id}/history');
      expect(html).not.toMatch(/<(script|link)\b/i);
      expect(html).not.toMatch(/https?:\/\/(?!spec\.openapis)/);
    });
  });
});
