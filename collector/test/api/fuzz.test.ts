import { gzipSync } from 'node:zlib';
import {
  FundAccountCreateSchema,
  HostFieldsSchema,
  type HostWithToken,
  type Monitor,
  MonitorFieldsSchema,
} from '@procwatch/shared';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { routeModules } from '../../src/http/routes/index.ts';
import { batchOf, createTestApp, makeSample, type TestApp } from '../support/test-app.ts';
import { testBackends } from '../support/test-database.ts';

// Malformed or mutated requests against the agent and admin endpoints. Every request is invalid by
// construction (a mutation that could leave a body valid is not used), so each must be refused with
// a 4xx problem and, over the whole run, write nothing: every table's row count and content hash are
// compared before and after.

const RUNS = 2200;
const KINDS = 17;
// Any field of any body: an "unknown" field must really be unknown, or the body could be valid.
const KNOWN_FIELDS = new Set([
  ...Object.keys(HostFieldsSchema.shape),
  ...Object.keys(MonitorFieldsSchema.shape),
  ...Object.keys(FundAccountCreateSchema.shape),
  '__proto__',
]);
// The issue's agent and admin endpoints (other features' routes have their own tests).
const MODULES = routeModules.filter((m) =>
  [
    'health',
    'agent-config',
    'agent-samples',
    'agent-heartbeat',
    'agent-commands',
    'hosts',
    'fund-accounts',
    'monitors',
    'monitor-history',
    'status',
    'docs',
  ].includes(m.name),
);
const SEED = 20261130;

interface FuzzRequest {
  readonly kind: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array<ArrayBuffer>;
}

type Auth = 'agent' | 'admin';

interface BodyEndpoint {
  method: string;
  path: string;
  auth: Auth;
  valid: () => Record<string, unknown>;
  /** Dotted paths and values that make the body invalid wherever they go. */
  invalid: [string, unknown[]][];
  /** Body schema is strict (unknown fields rejected). */
  strict: boolean;
}

interface OtherEndpoint {
  method: string;
  path: string;
  auth: Auth;
  /** Query strings that make the request invalid. */
  badQueries: string[];
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(target);
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys.at(-1)!] = value;
  return copy;
}

async function snapshot(database: DatabaseHandle): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname`.execute(database.db);
  const out: Record<string, string> = {};
  for (const { name } of tables.rows) {
    // Names come from the catalog, not from input.
    const row = await sql<{ n: number; h: string }>`
      SELECT count(*)::int AS n, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS h
      FROM ${sql.table(name)} t`.execute(database.db);
    out[name] = `${row.rows[0]?.n}:${row.rows[0]?.h}`;
  }
  return out;
}

describe.each(testBackends())('fuzzing the API on %s', (backend) => {
  let t: TestApp;
  let host: HostWithToken;
  let other: HostWithToken;
  let monitor: Monitor;
  let foreign: Monitor;

  beforeAll(async () => {
    t = await createTestApp(backend, {
      env: { PROCWATCH_MAX_BODY_BYTES: '65536', PROCWATCH_MAX_DECODED_BODY_BYTES: '262144' },
      modules: MODULES,
    });
    host = await t.createHost();
    other = await t.createHost();
    monitor = await t.createMonitor(host.id);
    foreign = await t.createMonitor(other.id);
    await t.admin('POST', '/api/v1/fund-accounts', { account: 'fz-existing' });
    // Some history, so that GETs have something to read.
    await t.agent(host.agent_token, 'POST', '/agent/v1/samples', batchOf([makeSample(monitor.id)]));
  });
  afterAll(async () => {
    await t?.close();
  });

  function endpoints(): { bodies: BodyEndpoint[]; others: OtherEndpoint[] } {
    const long = 'x'.repeat(70_000);
    const strings = [123, true, [], {}, null, long];
    const bodies: BodyEndpoint[] = [
      {
        method: 'POST',
        path: '/agent/v1/samples',
        auth: 'agent',
        strict: false,
        valid: () => batchOf([makeSample(monitor.id), makeSample(monitor.id, { seq: 2 })]) as never,
        invalid: [
          ['protocol', [2, '1', null, 0]],
          ['samples', [[], {}, 'x', null, Array.from({ length: 1001 }, () => 1)]],
          ['samples.0.sample_id', ['not-a-uuid', 5, null, '']],
          ['samples.0.processMonitorId', [foreign.id, 999_999, 0, -1, 'x', 2 ** 31, 1.5]],
          ['samples.0.status', ['RUN', 1, null, 'running']],
          ['samples.0.pid', [-1, 0, 'x', 1.5, 2 ** 31, {}]],
          ['samples.0.cpu_percent', [-1, 'x', 1e9]],
          ['samples.0.memory_percent', [-0.1, 101, 'x']],
          ['samples.0.checked_at', ['yesterday', 1, '2026-13-01T00:00:00Z', '2026-01-01T00:00:00', null]],
          ['samples.0.start_time', ['now', 5]],
          ['samples.0.trade_day', ['2026-01-01', 20260101, '', null]],
          ['samples.0.error_message', [long, 5, 'a\u0000b']],
          ['samples.0.process_count', [-1, 'one', 2 ** 31]],
          ['samples.0.matches', ['x', [{ pid: 'x' }], Array.from({ length: 21 }, () => ({}))]],
          ['samples.1.seq', [0, -5, 'x', null]],
        ],
      },
      {
        method: 'POST',
        path: '/agent/v1/heartbeat',
        auth: 'agent',
        strict: false,
        valid: () => ({
          protocol: 1,
          agent_version: '1.0.0',
          started_at: new Date().toISOString(),
          spool_depth: 0,
          last_seq: 1,
        }),
        invalid: [
          ['protocol', [2, null, 'x']],
          ['agent_version', ['', 'v'.repeat(65), 5, null, 'a\u0000']],
          ['started_at', ['soon', 0, null]],
          ['spool_depth', [-1, 'x', 2 ** 31, 0.5]],
          ['last_seq', [-1, 'x', null]],
        ],
      },
      {
        method: 'POST',
        path: '/api/v1/hosts',
        auth: 'admin',
        strict: true,
        valid: () => ({ name: `fuzz-${Math.random()}`, address: '10.0.0.1' }),
        invalid: [
          ['name', [...strings, '', 'a\nb', 'a\u0000b']],
          ['address', ['-oProxyCommand=x', 'a b', '', 7, null, long]],
          ['ssh_port', [0, 70_000, '22', 1.5, null]],
          ['ssh_host_key_policy', ['ALWAYS', 1]],
          ['heartbeat_timeout_seconds', [0, -1, 'x', 1e9]],
          ['active', ['yes', 1, null]],
        ],
      },
      {
        method: 'PATCH',
        path: '', // filled below: an existing host
        auth: 'admin',
        strict: true,
        valid: () => ({ remark: 'changed' }),
        invalid: [
          ['remark', [5, long, 'a\u0001b']],
          ['name', [null, '', 5]],
          ['ssh_user', ['root; rm', '-x', 5]],
        ],
      },
      {
        method: 'POST',
        path: '/api/v1/fund-accounts',
        auth: 'admin',
        strict: true,
        valid: () => ({ account: `fz-${Math.random()}` }),
        invalid: [
          ['account', [...strings, '', 'fz-existing']],
          ['broker', [5, long]],
        ],
      },
      {
        method: 'PATCH',
        path: '/api/v1/fund-accounts/fz-existing',
        auth: 'admin',
        strict: true,
        valid: () => ({ name: 'renamed' }),
        invalid: [
          ['name', [5, '', long]],
          ['account', ['other']],
        ],
      },
      {
        method: 'POST',
        path: '/api/v1/monitors',
        auth: 'admin',
        strict: true,
        valid: () => ({
          name: `m-${Math.random()}`,
          process_type: 'QUOTE',
          hostServerId: host.id,
          process_name: 'quote',
        }),
        invalid: [
          ['name', [...strings, '']],
          ['process_type', ['QUOTES', 1, null]],
          ['hostServerId', [999_999, 0, 'x', 2 ** 31, null]],
          ['process_name', ['a/b', '', 5]],
          ['command_pattern', ['([', '', 'x'.repeat(600)]],
          ['pid_file', ['relative.pid', '/a\nb', 5]],
          ['check_interval', [0, 86_401, 1.5, '60']],
          ['monitor_start_time', ['9am', 5]],
          ['session_windows', [['25:00-26:00'], 'x', ['08:00-08:00']]],
          ['fundAccountId', ['nobody', 5]],
          ['cpu_threshold_percent', [0, -1, 'x']],
        ],
      },
      {
        method: 'PATCH',
        path: '', // filled below: an existing monitor
        auth: 'admin',
        strict: true,
        valid: () => ({ check_interval: 30 }),
        invalid: [
          ['check_interval', [0, 'x', null]],
          ['process_type', ['TRADER']], // a TRADER needs a fundAccountId
          ['hostServerId', [999_999]],
        ],
      },
    ];
    bodies[3]!.path = `/api/v1/hosts/${host.id}`;
    bodies[7]!.path = `/api/v1/monitors/${monitor.id}`;
    const others: OtherEndpoint[] = [
      {
        method: 'GET',
        path: '/api/v1/status',
        auth: 'admin',
        badQueries: [
          'status=DEAD',
          'hostServerId=abc',
          'stale=1',
          'process_type=',
          'foo=bar',
          'hostServerId=0',
        ],
      },
      {
        method: 'GET',
        path: '/api/v1/monitors',
        auth: 'admin',
        badQueries: ['active=yes', 'hostServerId=1e3', 'process_type=TRADERS', 'host=1', 'fundAccountId='],
      },
      {
        method: 'GET',
        path: `/api/v1/monitors/${monitor.id}/history`,
        auth: 'admin',
        badQueries: [
          'limit=0',
          'limit=100000',
          'cursor=garbage',
          'trade_day=2026-01-01',
          'from=yesterday',
          'x=1',
        ],
      },
      { method: 'GET', path: '/agent/v1/config', auth: 'agent', badQueries: [] },
      {
        method: 'GET',
        path: '/agent/v1/commands',
        auth: 'agent',
        badQueries: ['wait=99', 'wait=-1', 'wait=abc', 'x=1'],
      },
      { method: 'DELETE', path: `/api/v1/hosts/${host.id}`, auth: 'admin', badQueries: [] },
      {
        method: 'DELETE',
        path: `/api/v1/monitors/${monitor.id}`,
        auth: 'admin',
        badQueries: ['with_history=yes', 'with_history=', 'force=true'],
      },
      { method: 'DELETE', path: '/api/v1/fund-accounts/fz-existing', auth: 'admin', badQueries: [] },
      { method: 'POST', path: `/api/v1/hosts/${host.id}/rotate-token`, auth: 'admin', badQueries: [] },
    ];
    return { bodies, others };
  }

  function arbitraries() {
    const { bodies, others } = endpoints();
    const tokenOf = (auth: Auth) => (auth === 'agent' ? host.agent_token : t.adminToken);
    const authHeader = (auth: Auth) => ({ authorization: `Bearer ${tokenOf(auth)}` });
    const json = { 'content-type': 'application/json' };
    const body = fc.constantFrom(...bodies);
    const any = fc.constantFrom<BodyEndpoint | OtherEndpoint>(...bodies, ...others);
    const req = (
      kind: string,
      e: { method: string; path: string },
      headers: Record<string, string>,
      b?: FuzzRequest['body'],
    ) =>
      ({
        kind,
        method: e.method,
        path: e.path,
        headers,
        ...(b === undefined ? {} : { body: b }),
      }) as FuzzRequest;
    const text = (e: BodyEndpoint) => JSON.stringify(e.valid());

    const badTokens = fc
      .tuple(
        any,
        fc.oneof(
          fc.constant(undefined),
          fc.string({ maxLength: 80 }).map((s) => `Bearer ${s}`),
          fc.constantFrom('Basic YWRtaW46YWRtaW4=', 'Bearer', 'bearer ', 'Token abc'),
          fc.constant('swap'),
          fc.constant('extend'),
        ),
      )
      .map(([e, header]) => {
        const headers: Record<string, string> = 'valid' in e ? { ...json } : {};
        if (header === 'swap')
          headers.authorization = `Bearer ${tokenOf(e.auth === 'agent' ? 'admin' : 'agent')}`;
        else if (header === 'extend') headers.authorization = `Bearer ${tokenOf(e.auth)}A`;
        else if (header !== undefined) headers.authorization = header;
        return req('bad-token', e, headers, 'valid' in e ? text(e) : undefined);
      });

    const randomJson = fc.tuple(body, fc.jsonValue({ maxDepth: 4 })).map(([e, value]) => {
      const v =
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? { ...value, __fuzz__: true }
          : value;
      return req('random-json', e, { ...authHeader(e.auth), ...json }, JSON.stringify(v ?? null));
    });

    const wrongField = body
      .chain((e) => fc.tuple(fc.constant(e), fc.constantFrom(...e.invalid)))
      .chain(([e, [path, values]]) => fc.tuple(fc.constant(e), fc.constant(path), fc.constantFrom(...values)))
      .map(([e, path, value]) =>
        req(
          'wrong-field',
          e,
          { ...authHeader(e.auth), ...json },
          JSON.stringify(setPath(e.valid(), path, value)),
        ),
      );

    const unknownField = fc
      .tuple(
        fc.constantFrom(...bodies.filter((e) => e.strict)),
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.jsonValue({ maxDepth: 2 }),
      )
      .filter(([, key]) => !KNOWN_FIELDS.has(key))
      .map(([e, key, value]) =>
        req(
          'unknown-field',
          e,
          { ...authHeader(e.auth), ...json },
          JSON.stringify({ ...e.valid(), [key]: value ?? 0 }),
        ),
      );

    const deepNesting = fc
      .tuple(body, fc.integer({ min: 33, max: 20_000 }), fc.boolean())
      .map(([e, depth, inField]) => {
        const nested = `${'['.repeat(depth)}1${']'.repeat(depth)}`;
        const payload = inField ? text(e).replace(/^\{/, `{"deep":${nested},`) : nested;
        return req('deep-nesting', e, { ...authHeader(e.auth), ...json }, payload);
      });

    const hugeBody = fc
      .tuple(body, fc.integer({ min: 70_000, max: 1_200_000 }))
      .map(([e, size]) =>
        req('huge-body', e, { ...authHeader(e.auth), ...json }, `{"pad":"${'x'.repeat(size)}"}`),
      );

    const invalidUtf8 = fc
      .tuple(body, fc.constantFrom([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]))
      .map(([e, bad]) => {
        const valid = Buffer.from(text(e));
        const at = valid.indexOf(0x22) + 1; // inside the first string
        const bytes = Buffer.concat([valid.subarray(0, at), Buffer.from(bad), valid.subarray(at)]);
        return req('invalid-utf8', e, { ...authHeader(e.auth), ...json }, new Uint8Array(bytes));
      });

    const loneSurrogate = body.map((e) =>
      req('lone-surrogate', e, { ...authHeader(e.auth), ...json }, text(e).replace(/^\{/, '{"s":"\\ud800",')),
    );

    const gzipBomb = fc.tuple(body, fc.integer({ min: 300_000, max: 4_000_000 })).map(([e, size]) => {
      const bomb = gzipSync(
        Buffer.concat([Buffer.from('{"pad":"'), Buffer.alloc(size, 0x61), Buffer.from('"}')]),
      );
      return req(
        'gzip-bomb',
        e,
        { ...authHeader(e.auth), ...json, 'content-encoding': 'gzip' },
        new Uint8Array(bomb),
      );
    });

    const badGzip = fc
      .tuple(body, fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.boolean())
      .map(([e, junk, truncated]) => {
        const bytes = truncated ? gzipSync(Buffer.from(text(e))).subarray(0, 12) : Buffer.from(junk);
        return req(
          'bad-gzip',
          e,
          { ...authHeader(e.auth), ...json, 'content-encoding': 'gzip' },
          new Uint8Array(bytes),
        );
      });

    const otherEncoding = fc
      .tuple(body, fc.constantFrom('br', 'deflate', 'compress', 'gzip, br', 'identity, gzip', 'zstd'))
      .map(([e, encoding]) =>
        req('other-encoding', e, { ...authHeader(e.auth), ...json, 'content-encoding': encoding }, text(e)),
      );

    const wrongContentType = fc
      .tuple(
        body,
        fc.constantFrom(
          undefined,
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=x',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          'json',
          'text/json',
        ),
      )
      .map(([e, type]) =>
        req('content-type', e, { ...authHeader(e.auth), ...(type ? { 'content-type': type } : {}) }, text(e)),
      );

    const truncated = fc.tuple(body, fc.double({ min: 0, max: 0.999, noNaN: true })).map(([e, cut]) => {
      const full = text(e);
      return req(
        'truncated-json',
        e,
        { ...authHeader(e.auth), ...json },
        full.slice(0, Math.floor(full.length * cut)),
      );
    });

    const wrongMethod = fc
      .tuple(any, fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'))
      .filter(([e, m]) => {
        const allowed: Record<string, string[]> = {
          '/agent/v1/samples': ['POST'],
          '/agent/v1/heartbeat': ['POST'],
          '/api/v1/hosts': ['GET', 'POST'],
          '/api/v1/fund-accounts': ['GET', 'POST'],
          '/api/v1/monitors': ['GET', 'POST'],
          '/api/v1/status': ['GET'],
          '/agent/v1/config': ['GET'],
          '/agent/v1/commands': ['GET'],
        };
        const list =
          allowed[e.path] ??
          (e.path.endsWith('/rotate-token')
            ? ['POST']
            : e.path.endsWith('/history')
              ? ['GET']
              : ['GET', 'PATCH', 'DELETE']);
        return !list.includes(m);
      })
      .map(([e, m]) =>
        req(
          'wrong-method',
          { method: m, path: e.path },
          { ...authHeader(e.auth), ...json },
          m === 'GET' ? undefined : '{}',
        ),
      );

    const unknownPath = fc
      .tuple(
        fc.constantFrom('/api/v1/', '/agent/v1/', '/', '/api/v2/', '/api/v1/hosts/1/'),
        fc.stringMatching(/^[a-z0-9-]{1,20}$/),
      )
      .filter(
        ([prefix, rest]) =>
          ![
            'status',
            'hosts',
            'monitors',
            'fund-accounts',
            'samples',
            'heartbeat',
            'config',
            'commands',
            'docs',
            'openapi.json',
            'healthz',
            'readyz',
            'metrics',
            'warnings',
            'mutes',
            'notification-channels',
            'rotate-token',
            'check',
            'history',
            'dashboard',
            'ui',
            'login',
            'logout',
          ].includes(rest) && !(prefix === '/' && ['api', 'agent'].includes(rest)),
      )
      .map(([prefix, rest]) =>
        req(
          'unknown-path',
          { method: 'GET', path: `${prefix}${rest}x` },
          { authorization: `Bearer ${t.adminToken}` },
        ),
      );

    const badParam = fc
      .tuple(
        fc.constantFrom('/api/v1/hosts/', '/api/v1/monitors/'),
        fc.constantFrom('0', '-1', 'abc', '1e3', '99999999999', '%00', '1.5', '%20%31', '0x10'),
        fc.constantFrom('GET', 'PATCH', 'DELETE'),
      )
      .map(([prefix, id, method]) =>
        req(
          'bad-param',
          { method, path: `${prefix}${id}` },
          { authorization: `Bearer ${t.adminToken}`, ...json },
          method === 'PATCH' ? '{"remark":"x"}' : undefined,
        ),
      );

    const badQuery = fc
      .constantFrom(...others.filter((e) => e.badQueries.length > 0))
      .chain((e) => fc.tuple(fc.constant(e), fc.constantFrom(...e.badQueries)))
      .map(([e, q]) => req('bad-query', { method: e.method, path: `${e.path}?${q}` }, authHeader(e.auth)));

    return fc.oneof(
      badTokens,
      randomJson,
      wrongField,
      wrongField,
      unknownField,
      deepNesting,
      hugeBody,
      invalidUtf8,
      loneSurrogate,
      gzipBomb,
      badGzip,
      otherEncoding,
      wrongContentType,
      truncated,
      wrongMethod,
      unknownPath,
      badParam,
      badQuery,
    );
  }

  it(`refuses ${RUNS} malformed requests with 4xx problems and writes nothing`, async () => {
    const before = await snapshot(t.database);
    const statuses = new Map<string, Map<number, number>>();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(arbitraries(), async (r) => {
        const res = await t.app.request(r.path, {
          method: r.method,
          headers: r.headers,
          ...(r.body === undefined ? {} : { body: r.body }),
        });
        sent += 1;
        const byStatus = statuses.get(r.kind) ?? new Map<number, number>();
        byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
        statuses.set(r.kind, byStatus);
        const text = await res.text();
        expect(res.status, `${r.kind} ${r.method} ${r.path}: ${text.slice(0, 300)}`).toBeGreaterThanOrEqual(
          400,
        );
        expect(res.status, `${r.kind} ${r.method} ${r.path}: ${text.slice(0, 300)}`).toBeLessThan(500);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(text).not.toMatch(/\bat [\w.<>]+ \(|node_modules|SELECT|INSERT|UPDATE "|violates/);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(sent).toBeGreaterThanOrEqual(2000);
    expect(await snapshot(t.database)).toEqual(before);
    // Every kind of mutation was exercised.
    expect(statuses.size).toBe(KINDS);
  }, 600_000);
});
