import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { HttpClient } from '../../support/http-client.ts';
import { batchOf, runningSample, type SecurityBench } from './security-bench.ts';

const MIB = 1024 * 1024;

/** One hostile body and the answer it got. */
export interface BodyCase {
  readonly name: string;
  readonly expected: number;
  readonly actual: number;
}

/** What the body checks found. */
export interface BodyLimitResult {
  readonly cases: BodyCase[];
  readonly serverErrors: number;
  /** Rows written by any of the refused bodies (must be 0). */
  readonly rowsWritten: number;
  readonly collectorAlive: boolean;
}

/** A valid sample batch followed by whitespace (still valid JSON) up to `bytes`. */
function bigBatch(monitorId: number, bytes: number): Buffer {
  const batch = Buffer.from(JSON.stringify(batchOf(runningSample(monitorId, 1))));
  return Buffer.concat([batch, Buffer.alloc(bytes - batch.length, 0x20)]);
}

/** `bytes` of JSON-ish filler gzipped: tiny on the wire, huge decoded. */
function gzipBomb(bytes: number): Buffer {
  return gzipSync(Buffer.alloc(bytes, 0x20), { level: 9 });
}

/**
 * Bodies past the wire limit (4 MiB by default; declared or chunked), gzip bombs past the decoded limit
 * (16 MiB) on agent and admin endpoints, an oversized dashboard form, and JSON nested 100,000 deep: each
 * refused (413, or 400 for the nesting), none a 5xx, no row written, the collector still serving.
 */
export async function checkBodyLimits(bench: SecurityBench): Promise<BodyLimitResult> {
  const { ids, tokens, collector } = bench;
  // A fresh connection for each body: the collector may close one after refusing a body it did not read.
  const client = {
    baseUrl: bench.collector.url,
    request: (req: Parameters<HttpClient['request']>[0]) => bench.freshClient().request(req),
  };
  const rows = async () =>
    Number(
      (
        await bench.env.pg.query<{ n: string }>(bench.database, 'SELECT count(*) AS n FROM "ProcessStatus"')
      )[0]!.n,
    );
  const before = await rows();
  const json = { 'content-type': 'application/json' };
  const gz = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
  const big = bigBatch(ids.monitorA, 5 * MIB);
  const bomb = gzipBomb(64 * MIB);
  const attempts: { name: string; expected: number; run: () => ReturnType<typeof client.request> }[] = [
    {
      name: 'samples: 5 MiB JSON body',
      expected: 413,
      run: () =>
        client.request({
          method: 'POST',
          path: '/agent/v1/samples',
          token: tokens.agentA,
          body: big,
          headers: json,
        }),
    },
    {
      name: 'samples: 5 MiB chunked (no Content-Length)',
      expected: 413,
      run: () =>
        client.request({
          method: 'POST',
          path: '/agent/v1/samples',
          token: tokens.agentA,
          body: Readable.from([big.subarray(0, 2 * MIB), big.subarray(2 * MIB)]),
          headers: json,
        }),
    },
    {
      name: `samples: gzip bomb (${Math.round(bomb.length / 1024)} KiB → 64 MiB)`,
      expected: 413,
      run: () =>
        client.request({
          method: 'POST',
          path: '/agent/v1/samples',
          token: tokens.agentA,
          body: bomb,
          headers: gz,
        }),
    },
    {
      name: 'heartbeat: gzip bomb',
      expected: 413,
      run: () =>
        client.request({
          method: 'POST',
          path: '/agent/v1/heartbeat',
          token: tokens.agentA,
          body: bomb,
          headers: gz,
        }),
    },
    {
      name: 'hosts (admin): 5 MiB JSON body',
      expected: 413,
      run: () =>
        client.request({
          method: 'POST',
          path: '/api/v1/hosts',
          token: collector.adminToken,
          body: JSON.stringify({ name: 'x'.repeat(5 * MIB), address: '127.0.0.1' }),
          headers: json,
        }),
    },
    {
      name: 'monitors (admin): gzip bomb',
      expected: 413,
      run: () =>
        client.request({
          method: 'POST',
          path: '/api/v1/monitors',
          token: collector.adminToken,
          body: bomb,
          headers: gz,
        }),
    },
    {
      name: 'dashboard login: 5 MiB form',
      expected: 413,
      run: () =>
        client.request({
          method: 'POST',
          path: '/ui/login',
          token: null,
          body: `token=${'x'.repeat(5 * MIB)}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: client.baseUrl },
        }),
    },
    {
      name: 'samples: JSON nested 100,000 deep',
      expected: 400,
      run: () =>
        client.request({
          method: 'POST',
          path: '/agent/v1/samples',
          token: tokens.agentA,
          body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
          headers: json,
        }),
    },
  ];
  const cases: BodyCase[] = [];
  let serverErrors = 0;
  for (const attempt of attempts) {
    let actual: number;
    try {
      actual = (await attempt.run()).status;
    } catch (error) {
      // The server may answer 413 and close before the whole body is sent (undici then reports the write).
      actual = -1;
      const message = error instanceof Error ? error.message : String(error);
      cases.push({ name: `${attempt.name} (${message})`, expected: attempt.expected, actual });
      continue;
    }
    if (actual >= 500) serverErrors += 1;
    cases.push({ name: attempt.name, expected: attempt.expected, actual });
  }
  const alive = (await bench.freshClient().request({ path: '/readyz', token: null })).status === 200;
  return {
    cases,
    serverErrors,
    rowsWritten: (await rows()) - before,
    collectorAlive: alive && collector.current!.running,
  };
}
