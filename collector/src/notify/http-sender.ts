import { Agent, request } from 'undici';
import type { OutgoingRequest } from './request-builders.ts';

/** What came back from a POST. */
export interface HttpAnswer {
  readonly statusCode: number;
  readonly body: string;
}

/** Sends one request; throws on network errors and timeouts. */
export interface HttpSender extends AsyncDisposable {
  post(req: OutgoingRequest, options?: { signal?: AbortSignal }): Promise<HttpAnswer>;
  close(): Promise<void>;
}

// The robots answer with a few hundred bytes; anything longer is an error page we only quote.
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * An undici sender with our own timeouts (undici's defaults wait 300 s for headers): a stuck channel holds
 * one delivery for `timeoutMs` at most, never the engine or ingest, which only queue.
 */
export function createHttpSender(options: { timeoutMs?: number } = {}): HttpSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const dispatcher = new Agent({
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
  });
  let closing: Promise<void> | undefined;

  async function post(req: OutgoingRequest, postOptions: { signal?: AbortSignal } = {}): Promise<HttpAnswer> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = postOptions.signal ? AbortSignal.any([postOptions.signal, timeout]) : timeout;
    const response = await request(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      dispatcher,
      signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      if (size < MAX_ANSWER_BYTES) chunks.push(buffer.subarray(0, MAX_ANSWER_BYTES - size));
      size += buffer.length;
    }
    return { statusCode: response.statusCode, body: Buffer.concat(chunks).toString('utf8') };
  }

  const close = () => {
    closing ??= dispatcher.close();
    return closing;
  };
  return { post, close, [Symbol.asyncDispose]: close };
}
