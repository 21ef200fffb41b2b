import type { ProcessEntry, ProcessStateCode } from '@procwatch/shared';

/** What a cheap re-read of one known PID tells: enough for liveness and CPU/RSS readings. */
export interface ProcessProbe {
  readonly pid: number;
  readonly startTime: Date;
  /** null when the lister cannot tell (ps-list). */
  readonly state: ProcessStateCode | null;
  /** User + system CPU time so far, ms. */
  readonly cpuTimeMs: number | null;
  readonly rssBytes: number | null;
  /** When this reading was taken (monotonic enough: Date.now()). */
  readonly readAtMs: number;
}

/** Options of a full scan. */
export interface ListOptions {
  readonly signal?: AbortSignal;
  /** Resolve each process's executable (needed for `process_name` on the executable's basename). */
  readonly exe?: boolean;
  /** Read each process's owner uid. */
  readonly uid?: boolean;
}

/** Names of the available listers. */
export type ListerKind = 'proc' | 'ps-list';

/** Enumerates processes; one implementation reads /proc directly, the portable one uses ps-list. */
export interface ProcessLister {
  readonly kind: ListerKind;
  /** Precision of absolute start times, ms (for comparing with PID file mtimes). */
  readonly startTimePrecisionMs: number;
  /** Largest difference between a probe's and a scan's start time of the same process, ms. */
  readonly identityToleranceMs: number;
  /** Every process on the host. */
  list(options?: ListOptions): Promise<ProcessEntry[]>;
  /** Re-reads known PIDs; a PID absent from the result is gone. */
  probe(pids: readonly number[], options?: { signal?: AbortSignal }): Promise<Map<number, ProcessProbe>>;
  close(): Promise<void>;
}
