import type { ProcessStatusType } from '@procwatch/shared';

/** The fields of a new row that decide a monitor's current status. */
export interface StatusPoint {
  readonly processMonitorId: number;
  readonly status: ProcessStatusType;
  readonly checked_at: Date;
  readonly id: number;
}

/** The newest row of one monitor in a batch, and how long its status has lasted within the batch. */
export interface CurrentStatusCandidate<T extends StatusPoint> {
  readonly latest: T;
  /** checked_at of the oldest row of the trailing run of `latest.status`. */
  readonly runStart: Date;
  /** Every row of this monitor in the batch has that status: the run may extend an older one. */
  readonly runCoversBatch: boolean;
}

function newerFirst(a: StatusPoint, b: StatusPoint): number {
  return b.checked_at.getTime() - a.checked_at.getTime() || b.id - a.id;
}

/**
 * Per monitor, the newest of `rows` and where its status run starts. status_since then becomes
 * runStart, unless the stored status is the same and the run covers the batch (nothing changed).
 * Pure, so the subtle cases are tested without a database.
 */
export function currentStatusCandidates<T extends StatusPoint>(
  rows: readonly T[],
): CurrentStatusCandidate<T>[] {
  const byMonitor = new Map<number, T[]>();
  for (const row of rows) {
    const list = byMonitor.get(row.processMonitorId);
    if (list) list.push(row);
    else byMonitor.set(row.processMonitorId, [row]);
  }
  const out: CurrentStatusCandidate<T>[] = [];
  for (const list of byMonitor.values()) {
    list.sort(newerFirst);
    const latest = list[0]!;
    let runStart = latest.checked_at;
    let index = 1;
    for (; index < list.length && list[index]!.status === latest.status; index += 1) {
      runStart = list[index]!.checked_at;
    }
    out.push({ latest, runStart, runCoversBatch: index === list.length });
  }
  return out;
}
