import type { ProcessEntry } from '@procwatch/shared';
import pidusage from 'pidusage';
import psList from 'ps-list';
import type { ListOptions, ProcessLister, ProcessProbe } from './process-lister.ts';

// pidusage's array form, typed: one ps call for all the pids.
const readAll = (pids: readonly number[]) => pidusage([...pids], { usePs: true });

/**
 * The portable lister: ps-list for the scan, pidusage for CPU time and RSS of known PIDs.
 * Limits (see LIBRARY-NOTES): ps-list gives no process state, so a stopped or zombie process reads
 * as RUNNING here; start times come from ps's `lstart` (1 s) and, in probes, from pidusage's elapsed
 * time (±1 s). pidusage runs with `usePs` so it keeps no open file per PID (its procfile mode leaks
 * them), which makes its CPU time ps's `time` column: whole seconds on Linux procps.
 */
export class PsListLister implements ProcessLister {
  readonly kind = 'ps-list' as const;
  readonly startTimePrecisionMs = 1000;
  readonly identityToleranceMs = 2000;

  async list(options: ListOptions = {}): Promise<ProcessEntry[]> {
    options.signal?.throwIfAborted();
    const rows = await psList({ all: true });
    const entries: ProcessEntry[] = [];
    for (const row of rows) {
      if (!row.startTime || !Number.isInteger(row.pid) || row.pid <= 0) continue;
      entries.push({
        pid: row.pid,
        ppid: row.ppid ?? 0,
        uid: row.uid ?? null,
        name: row.name,
        exe: row.path || null,
        cmdline: row.cmd ?? row.name,
        startTime: row.startTime,
        state: null,
        cpuTimeMs: null,
        rssBytes: null,
      });
    }
    return entries;
  }

  async probe(
    pids: readonly number[],
    options: { signal?: AbortSignal } = {},
  ): Promise<Map<number, ProcessProbe>> {
    const probes = new Map<number, ProcessProbe>();
    if (pids.length === 0) return probes;
    options.signal?.throwIfAborted();
    // With usePs, one ps call for all pids; gone pids are simply absent from the answer — unless all of
    // them are gone: ps then exits 1 and pidusage throws ENOENT, which means the same, an empty answer.
    let stats: Awaited<ReturnType<typeof readAll>>;
    try {
      stats = await readAll(pids);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return probes;
      throw error;
    }
    for (const stat of Object.values(stats)) {
      if (!stat || !pids.includes(stat.pid)) continue;
      probes.set(stat.pid, {
        pid: stat.pid,
        startTime: new Date(Math.round((stat.timestamp - stat.elapsed) / 1000) * 1000),
        state: null,
        cpuTimeMs: stat.ctime,
        rssBytes: stat.memory,
        readAtMs: stat.timestamp,
      });
    }
    return probes;
  }

  async close(): Promise<void> {
    pidusage.clear();
  }
}
