/** Options of {@link AuthFailureLimiter}. */
export interface AuthFailureLimiterOptions {
  /** Failures allowed per address within the window; the next attempt gets 429. */
  readonly limit: number;
  readonly windowMs: number;
  /** Addresses tracked at most (oldest forgotten first), so a flood of addresses cannot grow memory. */
  readonly maxAddresses?: number;
}

/**
 * Counts bad tokens per client address in a sliding window (in memory, per collector). While an
 * address is over the limit, every authentication attempt from it is refused with 429, good token
 * or not, until its oldest failure leaves the window.
 */
export class AuthFailureLimiter {
  readonly #failures = new Map<string, number[]>();
  readonly #maxAddresses: number;

  constructor(private readonly options: AuthFailureLimiterOptions) {
    this.#maxAddresses = options.maxAddresses ?? 10_000;
  }

  /** Seconds until `address` may try again, or 0 when it may try now. */
  retryAfterSeconds(address: string, nowMs: number): number {
    const list = this.#prune(address, nowMs);
    if (list === undefined || list.length < this.options.limit) return 0;
    return Math.max(1, Math.ceil((list[0]! + this.options.windowMs - nowMs) / 1000));
  }

  /** Records a failed attempt from `address`. */
  recordFailure(address: string, nowMs: number): void {
    const list = this.#prune(address, nowMs) ?? [];
    list.push(nowMs);
    // Only the last `limit` failures matter for the window.
    if (list.length > this.options.limit) list.splice(0, list.length - this.options.limit);
    this.#failures.delete(address);
    this.#failures.set(address, list);
    if (this.#failures.size > this.#maxAddresses) {
      const oldest = this.#failures.keys().next().value;
      if (oldest !== undefined) this.#failures.delete(oldest);
    }
  }

  #prune(address: string, nowMs: number): number[] | undefined {
    const list = this.#failures.get(address);
    if (list === undefined) return undefined;
    const from = nowMs - this.options.windowMs;
    while (list.length > 0 && list[0]! <= from) list.shift();
    if (list.length === 0) {
      this.#failures.delete(address);
      return undefined;
    }
    return list;
  }
}
