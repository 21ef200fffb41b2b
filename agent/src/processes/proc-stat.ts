import type { ProcessStateCode } from '@procwatch/shared';
import { PROCESS_STATE_CODES } from '@procwatch/shared';

/** The fields of `/proc/<pid>/stat` the agent uses; times in clock ticks, rss in pages. */
export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly state: ProcessStateCode | null;
  readonly ppid: number;
  readonly utimeTicks: number;
  readonly stimeTicks: number;
  readonly startTicks: number;
  readonly rssPages: number;
}

const STATES = new Set<string>(PROCESS_STATE_CODES);

/**
 * Parses `/proc/<pid>/stat`. The name sits in parentheses and may itself contain spaces and
 * parentheses, so the fields are counted from the last `)` (see proc(5)). Returns null for text
 * that is not a stat line (a torn read of a vanishing process).
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return null;
  const fields = text.slice(close + 2).split(' ');
  // After the name: state(0) ppid(1) ... utime(11) stime(12) ... starttime(19) vsize(20) rss(21).
  if (fields.length < 22) return null;
  const pid = Number(text.slice(0, open));
  const state = fields[0] ?? '';
  const stat: ProcStat = {
    pid,
    comm: text.slice(open + 2, close),
    state: STATES.has(state) ? (state as ProcessStateCode) : null,
    ppid: Number(fields[1]),
    utimeTicks: Number(fields[11]),
    stimeTicks: Number(fields[12]),
    startTicks: Number(fields[19]),
    rssPages: Number(fields[21]),
  };
  if (!Number.isInteger(stat.pid) || stat.pid <= 0 || !Number.isFinite(stat.startTicks)) return null;
  return stat;
}

/** Reads `btime` (boot time, seconds since the epoch) from the text of `/proc/stat`. */
export function parseBootTime(procStatText: string): number | null {
  const match = /^btime (\d+)$/m.exec(procStatText);
  return match ? Number(match[1]) : null;
}
