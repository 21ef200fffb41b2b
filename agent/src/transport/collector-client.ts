import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { errorMessage } from '@procwatch/shared';
import type { Logger } from 'pino';
import { AGENT_VERSION } from '../version.ts';
import { Pool, poolRequest } from './undici-pool.ts';

/** Largest response body the agent reads (a config with thousands of monitors fits easily). */
export const RESPONSE_MAX_BYTES = 16 * 1024 * 1024;
/** After failing over, the first URL is tried again after this long. */
export const PRIMARY_RETRY_MS = 5 * 60_000;

/** Options of {@link CollectorClient}. */
export interface CollectorClientOptions {
  readonly urls: readonly string[];
  /** Returns the bearer token (called per request, so a rotated token file is picked up). */
  readonly token: () => string;
  readonly caFile?: string | null;
  readonly requestTimeoutMs: number;
  readonly log: Logger;
  readonly now?: () => number;
}

/** Options of one request. */
export interface CollectorRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly json?: unknown;
  readonly gzip?: boolean;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
  /** Overrides the request timeout for the response headers (long-poll). */
  readonly headersTimeoutMs?: number;
}

/** A collector's answer. */
export interface CollectorResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly url: string;
}

/** Every collector URL failed (network error, timeout, 5xx, 408 or 429). */
export class CollectorUnavailableError extends Error {
  override name = 'CollectorUnavailableError';
  constructor(readonly failures: readonly { url: string; reason: string }[]) {
    super(`no collector reachable: ${failures.map((f) => `${f.url}: ${f.reason}`).join('; ')}`);
  }
}

function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

interface Target {
  readonly url: string;
  readonly prefix: string;
  readonly pool: Pool;
}

/**
 * HTTP client for the collector: one undici Pool per URL with keep-alive and our own timeouts,
 * gzip request bodies, and ordered failover: a URL that fails is passed over for the next one; the
 * first URL is preferred again after {@link PRIMARY_RETRY_MS}. Retrying with backoff is the callers'
 * business (their runLoop), since only they know whether a request is idempotent.
 */
export class CollectorClient {
  readonly #targets: Target[];
  readonly #token: () => string;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #now: () => number;
  #current = 0;
  #failedOverAt = 0;
  #closed = false;

  constructor(options: CollectorClientOptions) {
    if (options.urls.length === 0) throw new Error('no collector URL');
    const ca = options.caFile ? readFileSync(options.caFile) : undefined;
    this.#token = options.token;
    this.#timeoutMs = options.requestTimeoutMs;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#targets = options.urls.map((url) => {
      const parsed = new URL(url);
      return {
        url,
        prefix: parsed.pathname.replace(/\/+$/, ''),
        pool: new Pool(parsed.origin, {
          connections: 4,
          pipelining: 1,
          keepAliveTimeout: 30_000,
          keepAliveMaxTimeout: 120_000,
          headersTimeout: options.requestTimeoutMs,
          bodyTimeout: options.requestTimeoutMs,
          connect: { timeout: Math.min(5000, options.requestTimeoutMs), ...(ca ? { ca } : {}) },
        }),
      };
    });
  }

  /** URL currently preferred. */
  get currentUrl(): string {
    return this.#targets[this.#current]?.url ?? '';
  }

  /** Sends a request, failing over in order; returns the first non-retryable answer. */
  async request(req: CollectorRequest): Promise<CollectorResponse> {
    if (this.#closed) throw new Error('collector client is closed');
    if (this.#current !== 0 && this.#now() - this.#failedOverAt >= PRIMARY_RETRY_MS) this.#current = 0;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token()}`,
      'user-agent': `procwatch-agent/${AGENT_VERSION}`,
      accept: 'application/json',
      ...req.headers,
    };
    let body: Buffer | undefined;
    if (req.json !== undefined) {
      body = Buffer.from(JSON.stringify(req.json));
      headers['content-type'] = 'application/json';
      if (req.gzip) {
        // Synchronous on purpose: bodies are small (≤ a few hundred KB, ~1 ms), and the async
        // version wakes libuv's thread pool (four threads, each with a malloc arena) for nothing.
        body = gzipSync(body);
        headers['content-encoding'] = 'gzip';
      }
    }
    const failures: { url: string; reason: string }[] = [];
    const n = this.#targets.length;
    for (let i = 0; i < n; i++) {
      const index = (this.#current + i) % n;
      const target = this.#targets[index];
      if (!target) continue;
      req.signal?.throwIfAborted();
      try {
        const response = await this.#send(target, req, headers, body);
        if (isRetryableStatus(response.status)) {
          failures.push({ url: target.url, reason: `HTTP ${response.status}` });
          continue;
        }
        if (index !== this.#current) {
          this.#log.warn({ from: this.currentUrl, to: target.url }, 'collector failover');
          this.#current = index;
          this.#failedOverAt = this.#now();
        }
        return response;
      } catch (error) {
        if (req.signal?.aborted) throw error;
        failures.push({ url: target.url, reason: errorMessage(error) });
      }
    }
    throw new CollectorUnavailableError(failures);
  }

  async #send(
    target: Target,
    req: CollectorRequest,
    headers: Record<string, string>,
    body: Buffer | undefined,
  ): Promise<CollectorResponse> {
    const response = await poolRequest(target.pool, {
      method: req.method,
      path: `${target.prefix}${req.path}`,
      headers,
      body,
      signal: req.signal,
      headersTimeout: req.headersTimeoutMs ?? this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > RESPONSE_MAX_BYTES) {
        response.body.destroy();
        throw new Error(`response larger than ${RESPONSE_MAX_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return {
      status: response.statusCode,
      headers: response.headers,
      body: Buffer.concat(chunks),
      url: target.url,
    };
  }

  /** Closes every pool; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#targets.map((t) => t.pool.destroy()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Parses a JSON response body, or throws naming the status and URL. */
export function responseJson(response: CollectorResponse): unknown {
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch {
    throw new Error(`${response.url}: HTTP ${response.status} with a body that is not JSON`);
  }
}

/** A short description of an error answer, for logs: status and the problem's title/detail if any. */
export function describeResponse(response: CollectorResponse): string {
  let detail = '';
  try {
    const body = JSON.parse(response.body.toString('utf8')) as {
      title?: string;
      detail?: string;
      code?: string;
    };
    detail = [body.code, body.title, body.detail].filter(Boolean).join(': ');
  } catch {
    detail = response.body.toString('utf8', 0, Math.min(200, response.body.length));
  }
  return `HTTP ${response.status}${detail ? ` (${detail})` : ''}`;
}
