import { dashboardLogin } from './dashboard-session.ts';
import type { SecurityBench } from './security-bench.ts';

/** The collector's default: bad tokens allowed per address and minute (PROCWATCH_AUTH_FAILURE_LIMIT). */
export const AUTH_FAILURE_LIMIT = 20;

/** One realm's run of bad tokens. */
export interface LimitRun {
  readonly realm: string;
  /** Statuses in order. */
  readonly statuses: number[];
  /** Index of the first 429 (-1: never). */
  readonly firstLimited: number;
  readonly retryAfter: string | undefined;
}

/** What the rate-limit check found. */
export interface RateLimitResult {
  readonly runs: LimitRun[];
  /** The right token from a limited address: 429 (the address waits, whatever it sends). */
  readonly goodTokenWhileLimited: number;
  /** The right token from another address meanwhile: served. */
  readonly otherAddress: number;
  readonly serverErrors: number;
}

/**
 * Bad tokens from one address, on the admin API, the agent API and the dashboard login: the first
 * {@link AUTH_FAILURE_LIMIT} are refused (401), then the address gets 429 with Retry-After — even with
 * the right token — while other addresses are served.
 */
export async function checkRateLimits(bench: SecurityBench): Promise<RateLimitResult> {
  const runs: LimitRun[] = [];
  let serverErrors = 0;
  const attempts = AUTH_FAILURE_LIMIT + 5;

  const bearerRun = async (realm: string, path: string, method: string, json?: unknown) => {
    const client = bench.freshClient('pw-bad-token-that-is-long-enough-000000');
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < attempts; i++) {
      const answer = await client.request({ method, path, ...(json ? { json } : {}) });
      statuses.push(answer.status);
      if (answer.status === 429 && retryAfter === undefined)
        retryAfter = String(answer.headers['retry-after']);
      if (answer.status >= 500) serverErrors += 1;
    }
    runs.push({ realm, statuses, firstLimited: statuses.indexOf(429), retryAfter });
    return client;
  };

  const adminClient = await bearerRun('admin API', '/api/v1/hosts', 'GET');
  const goodTokenWhileLimited = (
    await adminClient.request({ path: '/api/v1/hosts', token: bench.collector.adminToken })
  ).status;
  const otherAddress = (
    await bench.freshClient(bench.collector.adminToken).request({ path: '/api/v1/hosts' })
  ).status;
  await bearerRun('agent API', '/agent/v1/heartbeat', 'POST', {
    protocol: 1,
    agent_version: 'bad',
    started_at: new Date().toISOString(),
    spool_depth: 0,
    spool_lost: 0,
    last_seq: 0,
  });

  // The dashboard login asks the admin API on the browser's behalf, with the browser's address.
  const login = bench.freshClient();
  const statuses: number[] = [];
  for (let i = 0; i < attempts; i++) {
    const { answer } = await dashboardLogin(login, `pw-wrong-admin-token-${i}-xxxxxxxx`);
    statuses.push(answer.status);
    if (answer.status >= 500) serverErrors += 1;
  }
  runs.push({
    realm: 'dashboard login',
    statuses,
    firstLimited: statuses.indexOf(429),
    retryAfter: undefined,
  });
  return { runs, goodTokenWhileLimited, otherAddress, serverErrors };
}
