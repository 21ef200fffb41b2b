import type { HistoryItem } from '@procwatch/shared';

/** A change in a monitor's life seen in its history. */
export interface LifeEvent {
  /** When it happened: the new process's start time for a restart, else the sample's check time. */
  readonly at: string;
  readonly kind: 'restarted' | 'went down' | 'came back';
  readonly fromPid: number | null;
  readonly toPid: number | null;
  readonly status: HistoryItem['status'];
}

/**
 * Restarts and outages in a stretch of history (any order in, oldest first out). A restart is a new
 * identity (pid, start time) between two RUNNING samples; ERROR samples say nothing about the process
 * and are skipped.
 */
export function findLifeEvents(items: readonly HistoryItem[]): LifeEvent[] {
  const sorted = [...items]
    .filter((i) => i.status !== 'ERROR')
    .sort((a, b) => Date.parse(a.checked_at) - Date.parse(b.checked_at));
  const events: LifeEvent[] = [];
  let prev: HistoryItem | undefined;
  for (const cur of sorted) {
    if (prev) {
      const wasUp = prev.status === 'RUNNING';
      const isUp = cur.status === 'RUNNING';
      if (wasUp && isUp && (prev.pid !== cur.pid || prev.start_time !== cur.start_time)) {
        events.push({
          at: cur.start_time ?? cur.checked_at,
          kind: 'restarted',
          fromPid: prev.pid,
          toPid: cur.pid,
          status: cur.status,
        });
      } else if (wasUp && !isUp) {
        events.push({
          at: cur.checked_at,
          kind: 'went down',
          fromPid: prev.pid,
          toPid: null,
          status: cur.status,
        });
      } else if (!wasUp && isUp) {
        events.push({
          at: cur.start_time ?? cur.checked_at,
          kind: 'came back',
          fromPid: null,
          toPid: cur.pid,
          status: cur.status,
        });
      }
    }
    prev = cur;
  }
  return events;
}
