import type { AgentConfig } from '@procwatch/shared';
import type { HttpAnswer } from '../../support/http-client.ts';
import { dashboardLogin } from './dashboard-session.ts';
import {
  batchOf,
  runningSample,
  type SecurityBench,
  type SecurityIds,
  uniqueName,
} from './security-bench.ts';

/** Who knocks. */
export const CREDENTIALS = ['none', 'agent', 'other-agent', 'metrics', 'session', 'admin'] as const;
/** One credential of the matrix. */
export type Credential = (typeof CREDENTIALS)[number];

type Expectation = Record<Credential, readonly number[]>;

interface Operation {
  readonly path: string;
  readonly json?: unknown;
  readonly form?: boolean;
  readonly expect: Expectation;
  /** Extra check of a successful answer for a credential (e.g. another host sees only itself). */
  readonly check?: (cred: Credential, answer: HttpAnswer) => string | undefined;
}

const all = (statuses: readonly number[]): Expectation => ({
  none: statuses,
  agent: statuses,
  'other-agent': statuses,
  metrics: statuses,
  session: statuses,
  admin: statuses,
});
const PUBLIC = all([200]);
const agentOnly = (own: readonly number[], other: readonly number[]): Expectation => ({
  ...all([401]),
  agent: own,
  'other-agent': other,
});
const adminOnly = (ok: readonly number[]): Expectation => ({ ...all([401]), admin: ok });
// Bearer tokens never open the dashboard: without its session cookie every page sends you to the login.
const page = (): Expectation => ({ ...all([303]), session: [200] });
// A POST with the session but without the form's CSRF token is refused.
const action = (): Expectation => ({ ...all([303]), session: [403] });

/** Every operation the collector serves, keyed "METHOD /openapi/path", with a concrete request. */
function catalog(ids: SecurityIds, receiverUrl: string): Record<string, () => Operation> {
  const d = ids.disposable;
  return {
    'GET /healthz': () => ({ path: '/healthz', expect: PUBLIC }),
    'GET /readyz': () => ({ path: '/readyz', expect: PUBLIC }),
    'GET /api/v1/openapi.json': () => ({ path: '/api/v1/openapi.json', expect: PUBLIC }),
    'GET /api/v1/docs': () => ({ path: '/api/v1/docs', expect: PUBLIC }),
    'GET /agent/v1/config': () => ({
      path: '/agent/v1/config',
      expect: agentOnly([200], [200]),
      check: (cred, answer) => {
        if (cred !== 'other-agent' || answer.status !== 200) return undefined;
        const config = answer.json<AgentConfig>();
        return config.monitors.some((m) => m.id === ids.monitorA)
          ? "another host's config lists host A's monitor"
          : undefined;
      },
    }),
    'POST /agent/v1/samples': () => ({
      path: '/agent/v1/samples',
      json: batchOf(runningSample(ids.monitorA, 1)),
      expect: agentOnly([200], [403]),
    }),
    'POST /agent/v1/heartbeat': () => ({
      path: '/agent/v1/heartbeat',
      json: {
        protocol: 1,
        agent_version: 'matrix',
        started_at: new Date().toISOString(),
        spool_depth: 0,
        spool_lost: 0,
        last_seq: 1,
      },
      expect: agentOnly([200], [200]),
    }),
    'GET /agent/v1/commands': () => ({
      path: '/agent/v1/commands?wait=1',
      expect: agentOnly([200, 204], [200, 204]),
    }),
    // No command of this id exists for anyone: a host learns nothing about another's commands.
    'POST /agent/v1/commands/{id}/result': () => ({
      path: `/agent/v1/commands/${crypto.randomUUID()}/result`,
      json: {
        protocol: 1,
        kind: 'log_tail',
        log_tail: { path: '/var/log/x.log', text: 'matrix', truncated: false, error: null },
      },
      expect: agentOnly([404], [404]),
    }),
    'GET /api/v1/hosts': () => ({ path: '/api/v1/hosts', expect: adminOnly([200]) }),
    'POST /api/v1/hosts': () => ({
      path: '/api/v1/hosts',
      json: { name: uniqueName('matrix-host'), address: '127.0.0.1', heartbeat_timeout_seconds: 86_400 },
      expect: adminOnly([201]),
    }),
    'GET /api/v1/hosts/{id}': () => ({ path: `/api/v1/hosts/${ids.hostA}`, expect: adminOnly([200]) }),
    'PATCH /api/v1/hosts/{id}': () => ({
      path: `/api/v1/hosts/${ids.hostA}`,
      json: { remark: 'matrix' },
      expect: adminOnly([200]),
    }),
    'DELETE /api/v1/hosts/{id}': () => ({ path: `/api/v1/hosts/${d.host}`, expect: adminOnly([204]) }),
    'POST /api/v1/hosts/{id}/rotate-token': () => ({
      path: `/api/v1/hosts/${d.rotateHost}/rotate-token`,
      expect: adminOnly([200]),
    }),
    'POST /api/v1/hosts/{id}/check': () => ({
      path: `/api/v1/hosts/${ids.hostC}/check`,
      expect: adminOnly([409]),
    }),
    'GET /api/v1/fund-accounts': () => ({ path: '/api/v1/fund-accounts', expect: adminOnly([200]) }),
    'POST /api/v1/fund-accounts': () => ({
      path: '/api/v1/fund-accounts',
      json: { account: uniqueName('MATRIX') },
      expect: adminOnly([201]),
    }),
    'GET /api/v1/fund-accounts/{account}': () => ({
      path: `/api/v1/fund-accounts/${ids.fundAccount}`,
      expect: adminOnly([200]),
    }),
    'PATCH /api/v1/fund-accounts/{account}': () => ({
      path: `/api/v1/fund-accounts/${ids.fundAccount}`,
      json: { remark: 'matrix' },
      expect: adminOnly([200]),
    }),
    'DELETE /api/v1/fund-accounts/{account}': () => ({
      path: `/api/v1/fund-accounts/${d.fundAccount}`,
      expect: adminOnly([204]),
    }),
    'GET /api/v1/monitors': () => ({ path: '/api/v1/monitors', expect: adminOnly([200]) }),
    'POST /api/v1/monitors': () => ({
      path: '/api/v1/monitors',
      json: {
        name: uniqueName('matrix-monitor'),
        process_type: 'CUSTOM',
        hostServerId: ids.hostC,
        process_name: 'matrix',
        check_interval: 60,
      },
      expect: adminOnly([201]),
    }),
    'GET /api/v1/monitors/{id}': () => ({
      path: `/api/v1/monitors/${ids.monitorA}`,
      expect: adminOnly([200]),
    }),
    'PATCH /api/v1/monitors/{id}': () => ({
      path: `/api/v1/monitors/${ids.monitorA}`,
      json: { remark: 'matrix' },
      expect: adminOnly([200]),
    }),
    'DELETE /api/v1/monitors/{id}': () => ({
      path: `/api/v1/monitors/${d.monitor}`,
      expect: adminOnly([204]),
    }),
    'GET /api/v1/monitors/{id}/history': () => ({
      path: `/api/v1/monitors/${ids.monitorA}/history`,
      expect: adminOnly([200]),
    }),
    'GET /api/v1/monitors/{id}/events': () => ({
      path: `/api/v1/monitors/${ids.monitorA}/events`,
      expect: adminOnly([200]),
    }),
    // Monitor C has no log_file.
    'POST /api/v1/monitors/{id}/log-tail': () => ({
      path: `/api/v1/monitors/${ids.monitorC}/log-tail`,
      expect: adminOnly([409]),
    }),
    'POST /api/v1/monitors/{id}/check': () => ({
      path: `/api/v1/monitors/${ids.monitorC}/check`,
      expect: adminOnly([409]),
    }),
    'GET /api/v1/status': () => ({ path: '/api/v1/status', expect: adminOnly([200]) }),
    'GET /api/v1/warnings': () => ({ path: '/api/v1/warnings', expect: adminOnly([200]) }),
    'GET /api/v1/warnings/{id}': () => ({
      path: `/api/v1/warnings/${ids.warning}`,
      expect: adminOnly([200]),
    }),
    'POST /api/v1/warnings/{id}/ack': () => ({
      path: `/api/v1/warnings/${ids.warning}/ack`,
      json: { by: 'matrix', note: 'seen' },
      expect: adminOnly([200]),
    }),
    'GET /api/v1/notification-channels': () => ({
      path: '/api/v1/notification-channels',
      expect: adminOnly([200]),
    }),
    'POST /api/v1/notification-channels': () => ({
      path: '/api/v1/notification-channels',
      json: { name: uniqueName('matrix-channel'), kind: 'slack', url: receiverUrl },
      expect: adminOnly([201]),
    }),
    'GET /api/v1/notification-channels/{id}': () => ({
      path: `/api/v1/notification-channels/${ids.channel}`,
      expect: adminOnly([200]),
    }),
    'PATCH /api/v1/notification-channels/{id}': () => ({
      path: `/api/v1/notification-channels/${ids.channel}`,
      json: { enabled: true },
      expect: adminOnly([200]),
    }),
    'DELETE /api/v1/notification-channels/{id}': () => ({
      path: `/api/v1/notification-channels/${d.channel}`,
      expect: adminOnly([204]),
    }),
    'POST /api/v1/notification-channels/{id}/test': () => ({
      path: `/api/v1/notification-channels/${ids.channel}/test`,
      expect: adminOnly([200]),
    }),
    'GET /api/v1/notification-channels/{id}/deliveries': () => ({
      path: `/api/v1/notification-channels/${ids.channel}/deliveries`,
      expect: adminOnly([200]),
    }),
    'GET /api/v1/mutes': () => ({ path: '/api/v1/mutes', expect: adminOnly([200]) }),
    'POST /api/v1/mutes': () => ({
      path: '/api/v1/mutes',
      json: { hostServerId: ids.hostB, muted_until: new Date(Date.now() + 3_600_000).toISOString() },
      expect: adminOnly([201]),
    }),
    'GET /api/v1/mutes/{id}': () => ({ path: `/api/v1/mutes/${ids.mute}`, expect: adminOnly([200]) }),
    'PATCH /api/v1/mutes/{id}': () => ({
      path: `/api/v1/mutes/${ids.mute}`,
      json: { reason: 'matrix' },
      expect: adminOnly([200]),
    }),
    'DELETE /api/v1/mutes/{id}': () => ({ path: `/api/v1/mutes/${d.mute}`, expect: adminOnly([204]) }),
    'GET /metrics': () => ({ path: '/metrics', expect: { ...all([401]), metrics: [200] } }),
    // The dashboard (not in the API document).
    'GET /': () => ({ path: '/', expect: all([302]) }),
    'GET /ui/login': () => ({ path: '/ui/login', expect: all([200]) }),
    'GET /ui': () => ({ path: '/ui', expect: page() }),
    'GET /ui/monitors': () => ({ path: '/ui/monitors', expect: page() }),
    'GET /ui/monitors/{id}': () => ({ path: `/ui/monitors/${ids.monitorA}`, expect: page() }),
    'GET /ui/monitors/new': () => ({ path: '/ui/monitors/new', expect: page() }),
    'GET /ui/monitors/{id}/edit': () => ({ path: `/ui/monitors/${ids.monitorA}/edit`, expect: page() }),
    'GET /ui/hosts': () => ({ path: '/ui/hosts', expect: page() }),
    'GET /ui/hosts/new': () => ({ path: '/ui/hosts/new', expect: page() }),
    'GET /ui/hosts/{id}/edit': () => ({ path: `/ui/hosts/${ids.hostA}/edit`, expect: page() }),
    'GET /ui/warnings': () => ({ path: '/ui/warnings', expect: page() }),
    'POST /ui/monitors/{id}/active': () => ({
      path: `/ui/monitors/${ids.monitorA}/active`,
      form: true,
      expect: action(),
    }),
    'POST /ui/monitors/{id}/check': () => ({
      path: `/ui/monitors/${ids.monitorC}/check`,
      form: true,
      expect: action(),
    }),
    'POST /ui/monitors/{id}/log-tail': () => ({
      path: `/ui/monitors/${ids.monitorC}/log-tail`,
      form: true,
      expect: action(),
    }),
    'POST /ui/monitors/new': () => ({ path: '/ui/monitors/new', form: true, expect: action() }),
    'POST /ui/monitors/{id}/edit': () => ({
      path: `/ui/monitors/${ids.monitorA}/edit`,
      form: true,
      expect: action(),
    }),
    'POST /ui/hosts/{id}/active': () => ({
      path: `/ui/hosts/${ids.hostA}/active`,
      form: true,
      expect: action(),
    }),
    'POST /ui/hosts/new': () => ({ path: '/ui/hosts/new', form: true, expect: action() }),
    'POST /ui/hosts/{id}/edit': () => ({ path: `/ui/hosts/${ids.hostA}/edit`, form: true, expect: action() }),
    'POST /ui/warnings/{id}/ack': () => ({
      path: `/ui/warnings/${ids.warning}/ack`,
      form: true,
      expect: action(),
    }),
    'POST /ui/logout': () => ({ path: '/ui/logout', form: true, expect: action() }),
  };
}

/** One cell that did not answer as expected. */
export interface MatrixMismatch {
  readonly operation: string;
  readonly credential: Credential;
  readonly expected: readonly number[];
  readonly actual: number;
  readonly why?: string;
}

/** What the matrix found. */
export interface MatrixResult {
  readonly operations: number;
  readonly cells: number;
  readonly mismatches: MatrixMismatch[];
  /** Operations of the API document the catalog does not cover (each must get a row). */
  readonly uncovered: string[];
  readonly serverErrors: number;
  /** Admin-managed state changed while only non-admin credentials knocked. */
  readonly changedWithoutAdmin: boolean;
  /** Answers that carried a secret they should not (a token in a list, a channel's signing secret…). */
  readonly leaks: string[];
}

/**
 * Every operation of the collector's OpenAPI document, the agent API, /metrics and the dashboard, knocked
 * on with no credential, host A's agent token, host B's agent token, the metrics token, a dashboard
 * session cookie and the admin token; each answer is compared with the expected status. Non-admin
 * credentials go first: the admin state must be unchanged after them.
 */
export async function runAuthorizationMatrix(
  bench: SecurityBench,
  receiverUrl: string,
): Promise<MatrixResult> {
  const admin = bench.collector.admin;
  const document = await admin.call<{ paths: Record<string, Record<string, unknown>> }>(
    'GET',
    '/api/v1/openapi.json',
  );
  const ops = catalog(bench.ids, receiverUrl);
  const fromDocument = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
  );
  const uncovered = fromDocument.filter((key) => !(key in ops));
  const login = await dashboardLogin(bench.freshClient(), bench.collector.adminToken);
  if (!login.session) throw new Error(`dashboard login failed: ${login.answer.status}`);
  bench.env.ctx.secret('dashboard session cookie', login.session.cookie.split('=')[1]!);
  const secrets = bench.env.ctx.secrets();

  const tokenOf: Record<Credential, string | null> = {
    none: null,
    agent: bench.tokens.agentA,
    'other-agent': bench.tokens.agentB,
    metrics: bench.collector.metricsToken,
    session: null,
    admin: bench.collector.adminToken,
  };
  const mismatches: MatrixMismatch[] = [];
  const leaks: string[] = [];
  let cells = 0;
  let serverErrors = 0;
  const knock = async (key: string, credential: Credential) => {
    const op = ops[key]!();
    const method = key.split(' ')[0]!;
    const client = bench.freshClient(tokenOf[credential]);
    const headers: Record<string, string> = {};
    if (credential === 'session') headers.cookie = login.session!.cookie;
    if (op.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = client.baseUrl;
    }
    const answer = await client.request({
      method,
      path: op.path,
      ...(op.json !== undefined ? { json: op.json } : {}),
      ...(op.form ? { body: 'active=false&note=x' } : {}),
      headers,
    });
    await client.close();
    cells += 1;
    if (answer.status >= 500) serverErrors += 1;
    const expected = op.expect[credential];
    const why = expected.includes(answer.status) ? op.check?.(credential, answer) : undefined;
    if (!expected.includes(answer.status) || why) {
      mismatches.push({
        operation: key,
        credential,
        expected,
        actual: answer.status,
        ...(why ? { why } : {}),
      });
    }
    // A new token in a create/rotate answer is the one place a token may appear; it becomes a secret.
    const issued = /"agent_token":"([^"]+)"/.exec(answer.text)?.[1];
    if (issued) bench.env.ctx.secret(`token issued by ${key}`, issued);
    for (const s of secrets) {
      if (s.value !== issued && answer.text.includes(s.value))
        leaks.push(`${key} as ${credential}: ${s.label}`);
    }
  };

  const keys = Object.keys(ops);
  const before = await bench.adminState();
  for (const credential of CREDENTIALS.filter((c) => c !== 'admin')) {
    for (const key of keys) await knock(key, credential);
  }
  const changedWithoutAdmin = (await bench.adminState()) !== before;
  for (const key of keys) await knock(key, 'admin');
  return {
    operations: keys.length,
    cells,
    mismatches,
    uncovered,
    serverErrors,
    changedWithoutAdmin,
    leaks,
  };
}
