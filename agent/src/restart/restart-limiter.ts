/** Limits of the auto-restart, from the host's agent config. */
export interface RestartLimits {
  /** At most this many restarts of one monitor within {@link RestartLimits.windowMs}. */
  readonly maxRestarts: number;
  readonly windowMs: number;
  /** Wait before the second restart in the window; doubled for each further one, up to backoffMaxMs. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** An action still running after this is killed and counted as failed. */
  readonly timeoutMs: number;
}

/** What to do about a monitor found down. */
export type RestartDecision =
  | { readonly kind: 'run'; readonly attempt: number }
  | { readonly kind: 'wait'; readonly untilMs: number }
  /** `first`: the limit was reached just now (report it once). */
  | { readonly kind: 'limit'; readonly first: boolean; readonly restarts: number };

interface History {
  starts: number[];
  suspended: boolean;
  runningSinceMs: number | null;
}

/**
 * Pure bookkeeping of restarts per monitor: a sliding window of start times, exponential backoff
 * between restarts in the window, and a suspension once the window is full. A suspended monitor is
 * still checked and reported, only not restarted, until it has stayed up for a whole window (fixed by
 * hand) or its limiter entry is dropped (monitor changed or removed, agent restarted).
 */
export class RestartLimiter {
  readonly #limits: RestartLimits;
  readonly #byMonitor = new Map<number, History>();

  constructor(limits: RestartLimits) {
    this.#limits = limits;
  }

  #history(id: number): History {
    let h = this.#byMonitor.get(id);
    if (!h) {
      h = { starts: [], suspended: false, runningSinceMs: null };
      this.#byMonitor.set(id, h);
    }
    return h;
  }

  /** The monitor was found down at `nowMs`: restart now, wait, or give up. */
  decide(id: number, nowMs: number): RestartDecision {
    const h = this.#history(id);
    h.runningSinceMs = null;
    const { maxRestarts, windowMs, backoffInitialMs, backoffMaxMs } = this.#limits;
    h.starts = h.starts.filter((t) => t > nowMs - windowMs);
    if (h.suspended) return { kind: 'limit', first: false, restarts: h.starts.length };
    if (h.starts.length >= maxRestarts) {
      h.suspended = true;
      return { kind: 'limit', first: true, restarts: h.starts.length };
    }
    const last = h.starts.at(-1);
    if (last !== undefined) {
      const delay = Math.min(backoffMaxMs, backoffInitialMs * 2 ** (h.starts.length - 1));
      if (nowMs < last + delay) return { kind: 'wait', untilMs: last + delay };
    }
    return { kind: 'run', attempt: h.starts.length + 1 };
  }

  /** A restart was started at `nowMs` (counted whether or not it works). */
  started(id: number, nowMs: number): void {
    this.#history(id).starts.push(nowMs);
  }

  /** The monitor was seen running at `nowMs`; a whole window up lifts a suspension. */
  up(id: number, nowMs: number): void {
    const h = this.#byMonitor.get(id);
    if (!h) return;
    h.runningSinceMs ??= nowMs;
    if (h.suspended && nowMs - h.runningSinceMs >= this.#limits.windowMs) {
      h.suspended = false;
      h.starts = [];
    }
  }

  /** Whether restarts of the monitor are suspended by the limit. */
  isSuspended(id: number): boolean {
    return this.#byMonitor.get(id)?.suspended ?? false;
  }

  /** Forgets monitors not in `keep`. */
  retain(keep: ReadonlySet<number>): void {
    for (const id of this.#byMonitor.keys()) if (!keep.has(id)) this.#byMonitor.delete(id);
  }
}
