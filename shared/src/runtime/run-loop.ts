import { abortableSleep } from './abortable-sleep.ts';
import { backoffDelay, jitter } from './backoff.ts';

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
  if (!immediate && !(await abortableSleep(jitter(intervalOf(undefined), jitterFraction), signal))) return;
  while (!signal.aborted) {
    let delay: number;
    try {
      const result = await body(signal);
      failures = 0;
      delay = jitter(intervalOf(result), jitterFraction);
    } catch (error) {
      if (signal.aborted) return;
      failures += 1;
      options.onError?.(error, failures);
      delay = Math.max(backoffDelay(failures, backoffBaseMs, backoffMaxMs), Math.min(backoffBaseMs, 100));
    }
    if (!(await abortableSleep(delay, signal))) return;
  }
}
