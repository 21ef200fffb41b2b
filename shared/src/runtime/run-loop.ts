import { abortableSleep } from './abortable-sleep.ts';
import { backoffDelay, jitter } from './backoff.ts';

/**
 * Lets other code end the backoff of failing {@link runLoop}s early, when it has evidence that the
 * failure is over (another request to the same service just succeeded). A loop backing off retries
 * at once, once per {@link RetryNow.retry}; a loop that is not failing ignores it.
 */
export class RetryNow {
  readonly #listeners = new Set<() => void>();

  /** The service answers again: every loop subscribed and failing tries once more, now. */
  retry(): void {
    for (const listener of this.#listeners) listener();
  }

  /** Calls `listener` on every {@link RetryNow.retry} until the returned function is called. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}

/** Options of {@link runLoop}. */
export interface LoopOptions {
  /** Stops the loop; the current iteration finishes (it receives the same signal). */
  signal: AbortSignal;
  /** Pause between successful iterations, ms; or a function of the iteration's result. */
  intervalMs: number | ((result: unknown) => number);
  /** Fraction of the interval to spread randomly (0..1). */
  jitterFraction?: number;
  /** Backoff after a failed iteration: base and cap, ms. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Called with every error an iteration throws; the loop goes on after a backoff. */
  onError?: (error: unknown, attempt: number) => void;
  /** Run the first iteration at once (default) or after one interval. */
  immediate?: boolean;
  /** Ends the backoff early (see {@link RetryNow}); the pause between successful iterations is kept. */
  retryNow?: RetryNow;
}

/**
 * The one way to run something periodically: a setTimeout chain (never overlapping iterations),
 * jitter, exponential backoff on error, and an abortable sleep. Resolves when `signal` aborts.
 */
export async function runLoop<T>(
  body: (signal: AbortSignal) => Promise<T>,
  options: LoopOptions,
): Promise<void> {
  const {
    signal,
    jitterFraction = 0,
    backoffBaseMs = 1000,
    backoffMaxMs = 60_000,
    immediate = true,
  } = options;
  const intervalOf = (result: unknown) =>
    typeof options.intervalMs === 'function' ? options.intervalMs(result) : options.intervalMs;
  let failures = 0;
  // A retry() that arrives while an attempt is running is kept for the backoff that follows if
  // that attempt fails: it may have been sent just before the service came back. At most one is
  // kept, and only from the current attempt, so a success elsewhere buys one retry, never a busy loop.
  let retryRequested = false;
  let endBackoff: (() => void) | null = null;
  const unsubscribe = options.retryNow?.subscribe(() => {
    if (failures === 0) return; // not failing: there is no backoff to cut short
    retryRequested = true;
    endBackoff?.();
  });
  // Resolves after `ms`, on a retry(), or when `signal` aborts; false if aborted.
  const backoff = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        endBackoff = null;
        resolve(!signal.aborted);
      };
      if (retryRequested || signal.aborted) {
        resolve(!signal.aborted);
        return;
      }
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      endBackoff = done;
    });
  try {
    if (!immediate && !(await abortableSleep(jitter(intervalOf(undefined), jitterFraction), signal))) return;
    while (!signal.aborted) {
      let delay: number;
      retryRequested = false;
      try {
        const result = await body(signal);
        failures = 0;
        delay = jitter(intervalOf(result), jitterFraction);
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        options.onError?.(error, failures);
        delay = Math.max(backoffDelay(failures, backoffBaseMs, backoffMaxMs), Math.min(backoffBaseMs, 100));
        if (!(await backoff(delay))) return;
        continue;
      }
      if (!(await abortableSleep(delay, signal))) return;
    }
  } finally {
    unsubscribe?.();
  }
}
