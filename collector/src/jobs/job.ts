/** What a job reports about one run: small, JSON-serialisable (stored in JobRun.summary, logged). */
export type JobSummary = Record<string, unknown>;

/** A periodic job: run once per period across every collector sharing the database. */
export interface Job<S extends JobSummary = JobSummary> {
  /** Unique, stable (it keys JobRun rows): lowercase letters, digits, `-` and `.`. */
  readonly name: string;
  /** Length of a period, ms. Periods are aligned to the Unix epoch, so a day starts at 00:00 UTC. */
  readonly periodMs: number;
  /** A run is aborted after this long; another collector may take the period over a little later. */
  readonly timeoutMs: number;
  /** Attempts per period, counting the first (a failed run is retried after `retryDelayMs`). */
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
  /**
   * Does the work for the period containing `now` and says what it did. Takes `now` instead of
   * reading the clock, so that tests can pass a fixed one. Must stop promptly when `signal` aborts.
   */
  run(now: Date, signal: AbortSignal): Promise<S>;
}

/** What {@link defineJob} needs; the rest has defaults. */
export interface JobSpec<S extends JobSummary> {
  name: string;
  periodMs: number;
  /** Default: min(periodMs, 10 min). */
  timeoutMs?: number;
  /** Default 3. */
  maxAttempts?: number;
  /** Default: min(periodMs / 4, 60 s). */
  retryDelayMs?: number;
  run(now: Date, signal: AbortSignal): Promise<S>;
}

const JOB_NAME = /^[a-z0-9][a-z0-9.-]{0,62}$/;
const MINUTE_MS = 60_000;

/** Declares a job for the {@link createJobScheduler} (validates the name and the durations). */
export function defineJob<S extends JobSummary>(spec: JobSpec<S>): Job<S> {
  if (!JOB_NAME.test(spec.name)) throw new Error(`job name must match ${JOB_NAME}: ${spec.name}`);
  const positive = (what: string, value: number) => {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`job ${spec.name}: ${what} must be a positive integer, got ${value}`);
    }
    return value;
  };
  const periodMs = positive('periodMs', spec.periodMs);
  return Object.freeze({
    name: spec.name,
    periodMs,
    timeoutMs: positive('timeoutMs', spec.timeoutMs ?? Math.min(periodMs, 10 * MINUTE_MS)),
    maxAttempts: positive('maxAttempts', spec.maxAttempts ?? 3),
    retryDelayMs: positive(
      'retryDelayMs',
      spec.retryDelayMs ?? Math.max(1, Math.floor(Math.min(periodMs / 4, MINUTE_MS))),
    ),
    run: spec.run,
  });
}

/** Start of the period of length `periodMs` that contains `now` (epoch-aligned). */
export function periodStartOf(now: Date, periodMs: number): Date {
  const t = now.getTime();
  return new Date(t - (((t % periodMs) + periodMs) % periodMs));
}
