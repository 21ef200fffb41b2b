import type { Readable } from 'node:stream';
import { Pool } from 'undici';

/** One HTTP answer, body read. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body parsed as JSON (throws if it is not). */
  json<T = unknown>(): T;
}

/** A request of {@link HttpClient.request}. */
export interface HttpRequest {
  readonly method?: string;
  readonly path: string;
  /** Bearer token; `null` sends none; undefined uses the client's default. */
  readonly token?: string | null;
  /** JSON body (sent as application/json). */
  readonly json?: unknown;
  /** Raw body, with your own headers. */
  readonly body?: Buffer | string | Readable;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

/**
 * A small HTTP client for the suite (admin API, probes, hostile requests): one keep-alive undici pool,
 * optionally over a Unix socket (the relay into a network namespace) or from a chosen local address.
 */
export class HttpClient {
  readonly #pool: Pool;

  constructor(
    readonly baseUrl: string,
    readonly defaultToken: string | null = null,
    options: { socketPath?: string; localAddress?: string; connections?: number } = {},
  ) {
    this.#pool = new Pool(baseUrl, {
      connections: options.connections ?? 4,
      ...(options.socketPath ? { socketPath: options.socketPath } : {}),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      keepAliveTimeout: 2_000,
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
      connectTimeout: 10_000,
    });
  }

  async request(req: HttpRequest): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...req.headers };
    const token = req.token === undefined ? this.defaultToken : req.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: Buffer | string | Readable | undefined = req.body;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] ??= 'application/json';
    }
    const response = await this.#pool.request({
      method: (req.method ?? 'GET') as 'GET',
      path: req.path,
      headers,
      body,
      signal: AbortSignal.timeout(req.timeoutMs ?? 60_000),
    });
    const text = await response.body.text();
    return {
      status: response.statusCode,
      headers: response.headers,
      text,
      json<T>() {
        return JSON.parse(text) as T;
      },
    };
  }

  /** `request`, throwing unless the status is 2xx; returns the JSON body (or null for 204). */
  async call<T = unknown>(method: string, path: string, json?: unknown): Promise<T> {
    const answer = await this.request({ method, path, json });
    if (answer.status < 200 || answer.status >= 300) {
      throw new Error(`${method} ${path} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
    }
    return (answer.status === 204 || answer.text === '' ? null : answer.json()) as T;
  }

  async close(): Promise<void> {
    await this.#pool.close().catch(() => {});
  }
}
