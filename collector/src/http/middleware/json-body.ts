import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../api-error.ts';
import type { AppEnv } from '../app-env.ts';

/** Limits of {@link jsonBody}. */
export interface JsonBodyLimits {
  /** Bytes on the wire (compressed or not). */
  readonly maxBytes: number;
  /** Bytes after gzip decoding. */
  readonly maxDecodedBytes: number;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

async function readLimited(
  stream: ReadableStream<Uint8Array>,
  max: number,
  what: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw ApiError.payloadTooLarge(`the ${what} exceeds ${max} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

async function gunzipLimited(bytes: Uint8Array<ArrayBuffer>, max: number): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  try {
    return await readLimited(stream, max, 'decoded request body');
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw ApiError.badRequest('malformed_gzip', 'the request body is not valid gzip');
  }
}

// In JSON text, NUL and unpaired surrogates can only arrive as \u escapes (raw control characters are
// invalid JSON, and the UTF-8 decoder refuses encoded surrogates): a body without such escapes needs no walk.
const SUSPICIOUS_ESCAPE = /\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/;

/** Deeper than any body of ours: refused, so an ignored field cannot smuggle in absurd nesting. */
const MAX_DEPTH = 32;

/**
 * Nesting depth of JSON text (brackets outside strings), without building anything. Strings are
 * skipped with indexOf: most of a batch is strings, so this costs a fraction of the parse.
 */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: jump to the quote that ends it (one preceded by an even number of backslashes).
      let end = i + 1;
      for (;;) {
        end = text.indexOf('"', end);
        if (end < 0) return max;
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes += 1;
        if (backslashes % 2 === 0) break;
        end += 1;
      }
      i = end + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
    i += 1;
  }
  return max;
}

/**
 * Finds what PostgreSQL cannot store or should not see: strings with NUL or lone surrogates; names the
 * path of the first. Iterative, like V8's JSON.parse: a body nested 100,000 deep overflows no stack
 * here, and validation only descends where a schema does (a deep value fails its type at once).
 */
function findBadString(root: unknown): { path: string; message: string } | undefined {
  const stack: { value: unknown; path: string }[] = [{ value: root, path: '' }];
  const badString = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (badString(value))
        return { path: path || '(root)', message: 'must not contain NUL or unpaired surrogates' };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const entries = Array.isArray(value) ? value.entries() : Object.entries(value);
    for (const [key, child] of entries) {
      if (typeof key === 'string' && badString(key)) {
        return { path: path || '(root)', message: 'has a key with NUL or unpaired surrogates' };
      }
      stack.push({ value: child, path: path ? `${path}.${key}` : String(key) });
    }
  }
  return undefined;
}

/**
 * Reads a JSON request body with limits: 415 unless `application/json` (utf-8), 415 for a content
 * coding other than gzip, 413 past `maxBytes` on the wire or `maxDecodedBytes` decoded (gzip bombs),
 * 400 for bad gzip, bad UTF-8, malformed JSON, nesting deeper than 32, NUL or unpaired surrogates. Leaves the text in Hono's body cache,
 * where the route's zod validator reads it.
 */
export function jsonBody(limits: JsonBodyLimits): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header('content-type');
    if (type === undefined || !JSON_TYPE.test(type)) {
      throw ApiError.unsupportedMediaType('unsupported_media_type', 'send Content-Type: application/json');
    }
    const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
      throw ApiError.unsupportedMediaType(
        'unsupported_content_encoding',
        'only gzip content encoding is accepted',
      );
    }
    const declared = Number(c.req.header('content-length'));
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      throw ApiError.payloadTooLarge(`the request body exceeds ${limits.maxBytes} bytes`);
    }
    const raw = c.req.raw.body
      ? await readLimited(c.req.raw.body, limits.maxBytes, 'request body')
      : new Uint8Array();
    const bytes = encoding === 'identity' ? raw : await gunzipLimited(raw, limits.maxDecodedBytes);
    if (bytes.byteLength > limits.maxDecodedBytes) {
      throw ApiError.payloadTooLarge(`the request body exceeds ${limits.maxDecodedBytes} bytes`);
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw ApiError.badRequest('invalid_utf8', 'the request body is not valid UTF-8');
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw ApiError.badRequest('malformed_json', 'the request body is not valid JSON');
    }
    if (nestingDepth(text) > MAX_DEPTH) {
      throw ApiError.badRequest('invalid_json_value', `the body is nested deeper than ${MAX_DEPTH} levels`, [
        { path: '(root)', message: `is nested deeper than ${MAX_DEPTH} levels` },
      ]);
    }
    const bad = SUSPICIOUS_ESCAPE.test(text) ? findBadString(value) : undefined;
    if (bad) throw ApiError.badRequest('invalid_json_value', `${bad.path} ${bad.message}`, [bad]);
    // The route's validator reads the body through c.req.json(): hand it the parsed value instead of
    // parsing the text a second time (an own property shadows HonoRequest's method).
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
    Object.defineProperty(c.req, 'json', { value: () => Promise.resolve(value), configurable: true });
    await next();
  };
}
