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

const SPACE = 0x20;
const CLOSE_PAREN = 0x29;

/**
 * {@link parseProcStat} straight from the bytes read, without building the line or its fields as
 * strings: a scan of 1,000 processes then allocates little more than the entries it returns.
 */
export function parseProcStatBytes(buffer: Buffer, length: number): ProcStat | null {
  let pid = 0;
  let i = 0;
  for (; i < length; i++) {
    const c = buffer[i] ?? 0;
    if (c === SPACE) break;
    if (c < 48 || c > 57) return null;
    pid = pid * 10 + (c - 48);
  }
  const open = i;
  const close = buffer.lastIndexOf(CLOSE_PAREN, length - 1);
  if (pid <= 0 || buffer[open + 1] !== 0x28 || close < open + 1) return null;
  const comm = buffer.toString('utf8', open + 2, close);
  const stateChar = String.fromCharCode(buffer[close + 2] ?? 0);
  // Fields after the state: ppid(1) ... utime(11) stime(12) ... starttime(19) vsize(20) rss(21).
  const wanted = [0, 0, 0, 0, 0];
  let field = 0;
  let value = 0;
  for (let p = close + 4; p <= length && field <= 21; p++) {
    const c = p < length ? (buffer[p] ?? SPACE) : SPACE;
    if (c === SPACE || c === 0x0a) {
      field += 1;
      if (field === 1) wanted[0] = value;
      else if (field === 11) wanted[1] = value;
      else if (field === 12) wanted[2] = value;
      else if (field === 19) wanted[3] = value;
      else if (field === 21) wanted[4] = value;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
    }
  }
  if (field < 21) return null;
  return {
    pid,
    comm,
    state: STATES.has(stateChar) ? (stateChar as ProcessStateCode) : null,
    ppid: wanted[0] ?? 0,
    utimeTicks: wanted[1] ?? 0,
    stimeTicks: wanted[2] ?? 0,
    startTicks: wanted[3] ?? 0,
    rssPages: wanted[4] ?? 0,
  };
}
