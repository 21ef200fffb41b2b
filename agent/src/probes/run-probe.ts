import { connect } from 'node:net';
import type { ProbeSpec } from '@procwatch/shared';
import { request } from 'undici';

/** One probe's outcome. */
export interface ProbeOutcome {
  readonly ok: boolean;
  readonly latencyMs: number | null;
  readonly message: string | null;
}

function tcpProbe(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs, signal });
    const done = (outcome: ProbeOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.once('connect', () =>
      done({ ok: true, latencyMs: Math.round(performance.now() - started), message: null }),
    );
    socket.once('timeout', () =>
      done({ ok: false, latencyMs: null, message: `tcp ${host}:${port}: timed out` }),
    );
    socket.once('error', (error) =>
      done({ ok: false, latencyMs: null, message: `tcp ${host}:${port}: ${error.message}` }),
    );
  });
}

async function httpProbe(
  url: string,
  expected: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const started = performance.now();
  try {
    // maxRedirections 0 (undici's default): a redirect is answered, not followed.
    const res = await request(url, {
      method: 'GET',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: signal
        ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump({ limit: 64 * 1024 });
    const latencyMs = Math.round(performance.now() - started);
    if (res.statusCode === expected) return { ok: true, latencyMs, message: null };
    return { ok: false, latencyMs, message: `http GET: status ${res.statusCode}, expected ${expected}` };
  } catch (error) {
    return { ok: false, latencyMs: null, message: `http GET: ${(error as Error).message}` };
  }
}

/** Runs one probe exactly as its spec says; never throws. */
export function runProbe(spec: ProbeSpec, options: { signal?: AbortSignal } = {}): Promise<ProbeOutcome> {
  switch (spec.kind) {
    case 'tcp':
      return tcpProbe(spec.host, spec.port, spec.timeout_ms, options.signal);
    case 'http':
      return httpProbe(spec.url, spec.expected_status, spec.timeout_ms, options.signal);
    default:
      return spec satisfies never;
  }
}
