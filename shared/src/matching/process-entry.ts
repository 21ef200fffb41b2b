import { z } from 'zod';

/**
 * Single-letter process state codes as Linux `/proc/<pid>/stat` and `ps -o stat` print them
 * (the first character of ps's STAT column). Other systems map onto these.
 */
export const PROCESS_STATE_CODES = ['R', 'S', 'D', 'T', 't', 'Z', 'X', 'x', 'I', 'K', 'W', 'P', 'U'] as const;
/** One process state code. */
export type ProcessStateCode = (typeof PROCESS_STATE_CODES)[number];

/** Longest command line kept for matching (Linux ps prints up to 128 KiB of args, so do we). */
export const MATCH_COMMAND_LINE_MAX_LENGTH = 131_072;

/**
 * One process as a lister saw it, from `/proc`, ps-list or `ps -eo pid,ppid,uid,stat,lstart,comm,args`
 * parsed over SSH. Plain data: the matcher does no I/O.
 */
export const ProcessEntrySchema = z.object({
  pid: z.number().int().positive(),
  ppid: z.number().int().min(0),
  uid: z.number().int().min(0).nullable().optional(),
  /** The kernel's name of the process (`comm`; Linux truncates it to 15 bytes). */
  name: z.string().max(4096),
  /** Path of the executable (`/proc/<pid>/exe`), when readable; its basename matches `process_name`. */
  exe: z.string().max(4096).nullable().optional(),
  /** Arguments joined by single spaces; `[name]` for kernel threads and zombies, as ps prints them. */
  cmdline: z.string().max(MATCH_COMMAND_LINE_MAX_LENGTH),
  /** When the process started; (pid, startTime) is a process's identity. */
  startTime: z.date(),
  /** State code; null or absent when the lister cannot tell (ps-list). */
  state: z.enum(PROCESS_STATE_CODES).nullable().optional(),
  /** User + system CPU time consumed so far, ms (for interval CPU %). */
  cpuTimeMs: z.number().min(0).nullable().optional(),
  /** Resident set size, bytes. */
  rssBytes: z.number().int().min(0).nullable().optional(),
});
/** One process as a lister saw it. */
export type ProcessEntry = z.infer<typeof ProcessEntrySchema>;

/** A process's identity: a PID alone is reused by the kernel, (pid, start time) is not. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: Date;
}

/**
 * True if two observations are the same process. `toleranceMs` absorbs the start time's precision
 * (10 ms from /proc, 1 s from ps's lstart).
 */
export function isSameProcess(a: ProcessIdentity, b: ProcessIdentity, toleranceMs = 0): boolean {
  return a.pid === b.pid && Math.abs(a.startTime.getTime() - b.startTime.getTime()) <= toleranceMs;
}

/** Why a state counts as not running: stopped/traced (`T`, `t`) or dead/zombie (`Z`, `X`, `x`); else null. */
export function stoppedStateReason(state: ProcessEntry['state']): string | null {
  switch (state) {
    case 'T':
      return 'process is stopped (state T)';
    case 't':
      return 'process is stopped by a tracer (state t)';
    case 'Z':
      return 'process is a zombie (state Z)';
    case 'X':
    case 'x':
      return 'process is dead (state X)';
    default:
      return null;
  }
}

/** Orders processes oldest first (ties: lowest pid): the first is a monitor's primary process. */
export function compareByAge(a: ProcessIdentity, b: ProcessIdentity): number {
  return a.startTime.getTime() - b.startTime.getTime() || a.pid - b.pid;
}

/** The PIDs of `rootPid` and all its descendants (by ppid links), e.g. the agent and its children. */
export function processTreePids(
  entries: readonly Pick<ProcessEntry, 'pid' | 'ppid'>[],
  rootPid: number,
): Set<number> {
  const children = new Map<number, number[]>();
  for (const e of entries) {
    const list = children.get(e.ppid);
    if (list) list.push(e.pid);
    else children.set(e.ppid, [e.pid]);
  }
  const tree = new Set<number>([rootPid]);
  const queue = [rootPid];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const child of children.get(pid) ?? []) {
      // pid 0 is the kernel's parent of init and kthreadd; a cycle can only come from torn reads.
      if (child !== 0 && !tree.has(child)) {
        tree.add(child);
        queue.push(child);
      }
    }
  }
  return tree;
}
