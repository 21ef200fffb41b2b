import { promisify } from 'node:util';
import { gzip as gzipCallback, constants as zlib } from 'node:zlib';

const gzip = promisify(gzipCallback);

/** A cached response body, with its gzip form made on first demand. */
export interface CachedBody {
  readonly text: string;
  gzipped(): Promise<Buffer>;
}

interface Entry {
  readonly expiresAt: number;
  readonly body: Promise<CachedBody>;
}

/**
 * A short-lived cache of generated response bodies, with single flight: requests for the same key
 * within `ttlMs` share one generation (and one gzip). For big read-mostly views (the status list of
 * thousands of monitors, polled by every open dashboard), where an answer `ttlMs` old is as good as
 * a fresh one. `ttlMs` 0 disables it. Entries are few (one per filter combination), oldest dropped first.
 */
export class ResponseCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 32,
  ) {}

  async get(key: string, produce: () => Promise<string>): Promise<CachedBody> {
    if (this.ttlMs <= 0) return cachedBody(await produce());
    const now = performance.now();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > now) return hit.body;
    const body = produce().then(cachedBody);
    this.#entries.delete(key);
    this.#entries.set(key, { expiresAt: now + this.ttlMs, body });
    // A failed generation is not cached: the next request tries again.
    body.catch(() => {
      if (this.#entries.get(key)?.body === body) this.#entries.delete(key);
    });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return body;
  }
}

function cachedBody(text: string): CachedBody {
  let gzipped: Promise<Buffer> | undefined;
  return {
    text,
    // Level 1: most of the size win for a fraction of the CPU of the default level.
    gzipped: () => {
      gzipped ??= gzip(text, { level: zlib.Z_BEST_SPEED });
      return gzipped;
    },
  };
}
