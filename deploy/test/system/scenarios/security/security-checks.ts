import { expect } from 'vitest';
import { allLogFiles } from '../../support/managed-process.ts';
import type { FaultRow } from '../../support/results-table.ts';
import { scanLogsForSecrets } from '../../support/secret-scan.ts';
import type { SuiteContext } from '../../support/suite-context.ts';
import { runAuthorizationMatrix } from './authorization-matrix.ts';
import { checkBodyLimits } from './body-limits.ts';
import { checkDashboardEscaping } from './dashboard-escaping.ts';
import { type DashboardSession, dashboardLogin } from './dashboard-session.ts';
import { AUTH_FAILURE_LIMIT, checkRateLimits } from './rate-limit.ts';
import type { SecurityBench } from './security-bench.ts';
import { runSqlInjection } from './sql-injection.ts';

type Record = (row: FaultRow) => void;

function securityRow(fault: string, serverErrors: number, passed: boolean, notes: string): FaultRow {
  return { fault, produced: null, stored: null, lost: null, duplicated: null, serverErrors, passed, notes };
}

async function login(bench: SecurityBench): Promise<DashboardSession> {
  const { session, answer } = await dashboardLogin(bench.freshClient(), bench.collector.adminToken);
  if (!session) throw new Error(`dashboard login refused: ${answer.status}`);
  bench.env.ctx.secret('dashboard session cookie', session.cookie.split('=')[1]!);
  return session;
}

/** 7a: every endpoint × every credential. */
export async function authorizationCheck(bench: SecurityBench, record: Record): Promise<void> {
  const r = await runAuthorizationMatrix(bench, bench.receiverUrl);
  const passed =
    r.mismatches.length === 0 &&
    r.uncovered.length === 0 &&
    r.serverErrors === 0 &&
    !r.changedWithoutAdmin &&
    r.leaks.length === 0;
  record(
    securityRow(
      `7a. authorization matrix (${r.operations} operations × 6 credentials)`,
      r.serverErrors,
      passed,
      `${r.cells} requests, ${r.mismatches.length} unexpected statuses, ${r.uncovered.length} endpoints without a row, ` +
        `${r.leaks.length} secrets in answers, state changed without admin: ${r.changedWithoutAdmin ? 'YES' : 'no'}`,
    ),
  );
  expect(r.uncovered, 'operations of the OpenAPI document without a row in the matrix').toEqual([]);
  expect(r.mismatches).toEqual([]);
  expect(r.leaks).toEqual([]);
  expect(r.changedWithoutAdmin).toBe(false);
  expect(r.serverErrors).toBe(0);
}

/** 7b: SQL injection through every filter, query and path parameter. */
export async function injectionCheck(bench: SecurityBench, record: Record): Promise<void> {
  const r = await runSqlInjection(bench, await login(bench));
  const passed =
    r.serverErrors.length === 0 &&
    r.leaks.length === 0 &&
    r.internals.length === 0 &&
    !r.changed &&
    r.reflected.length === 0;
  record(
    securityRow(
      `7b. SQL injection (${r.parameters} parameters + dashboard filters)`,
      r.serverErrors.length,
      passed,
      `${r.requests} requests; ${r.leaks.length} leaking filters, ${r.internals.length} answers with SQL/stack, ` +
        `${r.reflected.length} unescaped echoes, data changed: ${r.changed ? 'YES' : 'no'}`,
    ),
  );
  expect(r.serverErrors).toEqual([]);
  expect(r.leaks).toEqual([]);
  expect(r.internals).toEqual([]);
  expect(r.reflected).toEqual([]);
  expect(r.changed).toBe(false);
}

/** 7c: hostile names escaped in the dashboard. */
export async function escapingCheck(bench: SecurityBench, record: Record): Promise<void> {
  const r = await checkDashboardEscaping(bench, await login(bench));
  const passed = r.failedPages.length === 0 && r.raw.length === 0 && r.neverShown.length === 0;
  record(
    securityRow(
      '7c. HTML/script in host, monitor, remark, account names',
      0,
      passed,
      `${r.pages} dashboard pages; ${r.raw.length} unescaped; shown escaped: ${4 - r.neverShown.length}/4 names`,
    ),
  );
  expect(r.failedPages).toEqual([]);
  expect(r.raw).toEqual([]);
  expect(r.neverShown).toEqual([]);
}

/** 7d: oversized bodies and gzip bombs. */
export async function bodyLimitCheck(bench: SecurityBench, record: Record): Promise<void> {
  const r = await checkBodyLimits(bench);
  const wrong = r.cases.filter((c) => c.actual !== c.expected);
  const passed = wrong.length === 0 && r.serverErrors === 0 && r.rowsWritten === 0 && r.collectorAlive;
  record(
    securityRow(
      '7d. oversized bodies and gzip bombs',
      r.serverErrors,
      passed,
      `${r.cases.length} bodies: ${r.cases.map((c) => c.actual).join(', ')}; rows written ${r.rowsWritten}`,
    ),
  );
  expect(wrong).toEqual([]);
  expect(r.rowsWritten).toBe(0);
  expect(r.collectorAlive).toBe(true);
}

/** 7e: repeated bad tokens → 429. */
export async function rateLimitCheck(bench: SecurityBench, record: Record): Promise<void> {
  const r = await checkRateLimits(bench);
  const ok = (run: (typeof r.runs)[number]) =>
    run.statuses.slice(0, AUTH_FAILURE_LIMIT).every((s) => s === 401) &&
    run.statuses.slice(AUTH_FAILURE_LIMIT).every((s) => s === 429);
  const passed =
    r.runs.every(ok) &&
    r.runs.filter((run) => run.realm !== 'dashboard login').every((run) => Number(run.retryAfter) > 0) &&
    r.goodTokenWhileLimited === 429 &&
    r.otherAddress === 200 &&
    r.serverErrors === 0;
  record(
    securityRow(
      '7e. repeated bad tokens rate-limited',
      r.serverErrors,
      passed,
      r.runs.map((run) => `${run.realm}: 429 from attempt ${run.firstLimited + 1}`).join('; ') +
        `; right token from the limited address ${r.goodTokenWhileLimited}, from another ${r.otherAddress}`,
    ),
  );
  for (const run of r.runs) {
    expect(
      run.statuses.slice(AUTH_FAILURE_LIMIT),
      `${run.realm} after ${AUTH_FAILURE_LIMIT} failures`,
    ).toEqual(run.statuses.slice(AUTH_FAILURE_LIMIT).map(() => 429));
    expect(run.statuses.slice(0, AUTH_FAILURE_LIMIT).includes(429), `${run.realm} limited too early`).toBe(
      false,
    );
  }
  expect(r.goodTokenWhileLimited).toBe(429);
  expect(r.otherAddress).toBe(200);
  expect(r.serverErrors).toBe(0);
}

/** 7f: no token or secret created anywhere in the suite appears in any process's log. */
export function logSecretCheck(ctx: SuiteContext, record: Record): void {
  const secrets = ctx.secrets();
  const scan = scanLogsForSecrets(allLogFiles(), secrets);
  const hits = scan.hits.map((h) => `${h.kind} ${h.label} in ${h.file.split('/').pop()}:${h.line}`);
  record(
    securityRow(
      '7f. no token or secret in any log line',
      0,
      hits.length === 0,
      `${secrets.length} secrets × ${scan.lines} lines of ${scan.files} logs (collectors, agents, relay); ${hits.length} hits`,
    ),
  );
  expect(secrets.length).toBeGreaterThan(0);
  expect(hits.slice(0, 20)).toEqual([]);
}
