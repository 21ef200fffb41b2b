import { type ProcessEntry, ProcessEntrySchema, processTreePids } from '@procwatch/shared';
import { z } from 'zod';
import { type CpuReading, cpuPercentBetween } from './cpu-usage.ts';
import { MARKER_PREFIX, REMOTE_FORMAT_VERSION } from './remote-command.ts';

// Parses what REMOTE_SNAPSHOT_COMMAND printed. Every line is validated by a zod schema of its
// section; a line that does not fit is counted (and a few kept for the error report), never
// trusted and never fatal. Only a missing section or header (a truncated or foreign output) fails
// the whole snapshot.

/** A host's processes as the SSH check saw them, ready for the shared matcher. */
export interface RemoteSnapshot {
  readonly entries: ProcessEntry[];
  /** Our own ssh session (its sshd processes, the shell, ps, cat…): never matched. */
  readonly excludePids: ReadonlySet<number>;
  /**
   * CPU % per pid over the command's own sampling interval (100 = one core); empty when the
   * command took one snapshot only (then compare {@link cpuReading} with the previous one).
   */
  readonly cpuPercent: ReadonlyMap<number, number>;
  /** CPU times at the (last) snapshot, for the next check's interval. */
  readonly cpuReading: CpuReading;
  readonly memTotalBytes: number | null;
  /** The host's uptime at the second snapshot, seconds (for uptimes without clock skew). */
  readonly hostUptimeS: number;
  /** The host's boot time. */
  readonly bootTime: Date;
  /** How far start times may be off (btime's whole seconds, one tick), ms; for the PID-file age test. */
  readonly startTimePrecisionMs: number;
  readonly malformedLines: number;
  /** Up to {@link MALFORMED_SAMPLES_MAX} offending lines, shortened, for logs. */
  readonly malformedSamples: string[];
}

/** The output is not a snapshot at all (truncated, wrong program, wrong format version). */
export class RemoteOutputError extends Error {
  override name = 'RemoteOutputError';
}

/** How many malformed lines are kept verbatim (shortened) for the report. */
export const MALFORMED_SAMPLES_MAX = 5;

/** Fallback when `getconf` is missing: USER_HZ is 100 on Linux's common ABIs. */
const DEFAULT_CLK_TCK = 100;

const uint = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const headerNumber = z
  .string()
  .regex(/^\d{1,9}$/)
  .transform(Number);

const UptimeLine = z
  .string()
  .regex(/^\d+(\.\d+)? \d+(\.\d+)?$/)
  .transform((line) => Number(line.split(' ')[0]));

const MemTotalLine = z
  .string()
  .regex(/^MemTotal:\s+\d+ kB$/)
  .transform((line) => Number(/(\d+)/.exec(line)![1]) * 1024);

const BtimeLine = z
  .string()
  .regex(/^btime \d{1,12}$/)
  .transform((line) => Number(line.slice(6)));

// `pid (comm) state ppid …`: comm may hold spaces and parentheses, so take the last ") ".
const STAT_LINE = /^(\d{1,7}) \((.{0,64})\) ([A-Za-z]) (.+)$/s;
const StatLine = z
  .string()
  .regex(STAT_LINE)
  .transform((line, ctx) => {
    const [, pid, comm, state, restText] = STAT_LINE.exec(line)!;
    const rest = restText!.split(' ');
    // rest[0] is field 4 (ppid); utime 14, stime 15, starttime 22, rss 24 (proc(5)).
    const fields = [rest[0], rest[10], rest[11], rest[18], rest[20]].map((f) => uint.safeParse(f));
    if (fields.some((f) => !f.success)) {
      ctx.addIssue({ code: 'custom', message: 'stat fields are not numbers' });
      return z.NEVER;
    }
    const [ppid, utime, stime, starttime, rss] = fields.map((f) => f.data as number);
    return {
      pid: Number(pid),
      comm: comm!,
      state: state!,
      ppid: ppid!,
      cpuTicks: utime! + stime!,
      startTicks: starttime!,
      rssPages: rss!,
    };
  });
type StatRecord = z.infer<typeof StatLine>;

// `lrwxrwxrwx 1 root root 0 Nov 29 03:10 /proc/123/exe -> /usr/bin/foo`; links we may not read
// (kernel threads, other users' processes when not root) come without the arrow.
const EXE_LINE = /^l\S*\s.*?\s\/proc\/(\d{1,7})\/exe(?: -> (.+))?$/;
const ExeLine = z
  .string()
  .regex(EXE_LINE)
  .transform((line) => {
    const [, pid, target] = EXE_LINE.exec(line)!;
    return { pid: Number(pid), exe: target === undefined ? null : unescapeLs(target) };
  });

// `  pid   uid   rss args…` (rss in KiB).
const PS_LINE = /^\s*(\d{1,7})\s+(\d{1,10})\s+(\d{1,12}) (.*)$/;
const PsLine = z
  .string()
  .regex(PS_LINE)
  .transform((line) => {
    const [, pid, uid, rss, args] = PS_LINE.exec(line)!;
    return { pid: Number(pid), uid: Number(uid), rssKib: Number(rss), args: args!.trim() };
  });

const C_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11 };

/** Undoes `ls -b` (GNU "escape" quoting): `\ `, `\\`, C escapes and `\ooo` octal bytes. */
export function unescapeLs(text: string): string {
  if (!text.includes('\\')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\' || i + 1 >= text.length) {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = text[i + 1]!;
    const octal = /^[0-7]{3}/.exec(text.slice(i + 1, i + 4));
    if (octal) {
      bytes.push(Number.parseInt(octal[0], 8) & 0xff);
      i += 3;
    } else {
      bytes.push(C_ESCAPES[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const SECTIONS = ['sys', 'stat1', 'stat2', 'exe', 'ps', 'end'] as const;
type Section = (typeof SECTIONS)[number];
/** Sections only some command variants print. */
const OPTIONAL_SECTIONS: ReadonlySet<Section> = new Set(['stat1', 'exe']);
const HEADERS = ['format', 'self', 'clk'] as const;
type Header = (typeof HEADERS)[number];

function splitSections(text: string) {
  const headers = new Map<Header, string>();
  const sections = new Map<Section, string[]>();
  const preamble: string[] = [];
  let current: string[] = preamble;
  for (const line of text.split('\n')) {
    if (line.startsWith(MARKER_PREFIX)) {
      const m = /^@@procwatch:([a-z0-9]+)@@(?: (.*))?$/.exec(line);
      const name = m?.[1];
      if (name && (HEADERS as readonly string[]).includes(name)) {
        headers.set(name as Header, m?.[2] ?? '');
        continue;
      }
      if (name && (SECTIONS as readonly string[]).includes(name) && !sections.has(name as Section)) {
        current = [];
        sections.set(name as Section, current);
        continue;
      }
    }
    if (line !== '') current.push(line);
  }
  return { headers, sections, preamble };
}

/** Parses the remote command's output into process entries, CPU % and host facts. */
export function parseRemoteOutput(text: string): RemoteSnapshot {
  const { headers, sections, preamble } = splitSections(text);
  const format = headers.get('format');
  if (format === undefined) throw new RemoteOutputError('the output has no procwatch format header');
  if (format !== String(REMOTE_FORMAT_VERSION)) {
    throw new RemoteOutputError(`unknown output format ${JSON.stringify(format.slice(0, 20))}`);
  }
  for (const s of SECTIONS) {
    if (!sections.has(s) && !OPTIONAL_SECTIONS.has(s))
      throw new RemoteOutputError(`the output lacks its ${s} section (truncated?)`);
  }
  const self = headerNumber.safeParse(headers.get('self'));
  if (!self.success) throw new RemoteOutputError('the output does not name the remote shell');

  let malformedLines = preamble.length;
  const malformedSamples: string[] = preamble.slice(0, MALFORMED_SAMPLES_MAX).map(shorten);
  const parseAll = <T>(schema: z.ZodType<T>, lines: readonly string[]): T[] => {
    const out: T[] = [];
    for (const line of lines) {
      const parsed = schema.safeParse(line);
      if (parsed.success) out.push(parsed.data);
      else {
        malformedLines += 1;
        if (malformedSamples.length < MALFORMED_SAMPLES_MAX) malformedSamples.push(shorten(line));
      }
    }
    return out;
  };

  const clk = headerNumber.safeParse(headers.get('clk'));
  const clkTck = clk.success && clk.data > 0 ? clk.data : DEFAULT_CLK_TCK;
  const sys = sections.get('sys')!;
  const memTotalBytes =
    parseAll(
      MemTotalLine,
      sys.filter((l) => l.startsWith('MemTotal:')),
    )[0] ?? null;
  const btime = parseAll(
    BtimeLine,
    sys.filter((l) => !l.startsWith('MemTotal:')),
  )[0];
  if (btime === undefined) throw new RemoteOutputError('the output lacks the boot time');

  const readingOf = (uptimeS: number, stats: ReadonlyMap<number, StatRecord>): CpuReading => ({
    uptimeS,
    clockTicks: clkTck,
    bootTimeMs: btime * 1000,
    processes: stats,
  });
  const snapshot = (lines: string[]) => {
    const [first, ...rest] = lines;
    const uptime = UptimeLine.safeParse(first ?? '');
    if (!uptime.success) throw new RemoteOutputError('a /proc snapshot lacks /proc/uptime');
    return { uptimeS: uptime.data, stats: new Map(parseAll(StatLine, rest).map((s) => [s.pid, s])) };
  };
  const stat1 = sections.get('stat1');
  const first = stat1 ? snapshot(stat1) : undefined;
  const second = snapshot(sections.get('stat2')!);
  const exes = new Map(parseAll(ExeLine, sections.get('exe') ?? []).map((e) => [e.pid, e.exe]));
  const psRows = parseAll(PsLine, sections.get('ps')!);
  const trailing = sections.get('end')!;
  malformedLines += trailing.length;

  const entries: ProcessEntry[] = [];
  const argsByPid = new Map<number, string>();
  const cpuTimes = new Map<number, { startTicks: number; cpuTicks: number }>();
  for (const row of psRows) {
    const stat = second.stats.get(row.pid);
    // Started after the /proc snapshot or gone before ps: not measurable consistently; skip.
    if (!stat) continue;
    argsByPid.set(row.pid, row.args);
    const candidate = {
      pid: stat.pid,
      ppid: stat.ppid,
      uid: row.uid,
      name: stat.comm,
      exe: exes.get(stat.pid)?.replace(/ \(deleted\)$/, '') ?? null,
      cmdline: row.args,
      // As the agent's /proc lister computes it, so that both paths agree on identities.
      startTime: new Date(btime * 1000 + Math.round((stat.startTicks * 1000) / clkTck)),
      state: stat.state,
      cpuTimeMs: (stat.cpuTicks * 1000) / clkTck,
      rssBytes: row.rssKib * 1024,
    };
    const entry = ProcessEntrySchema.safeParse(candidate);
    if (!entry.success) {
      malformedLines += 1;
      if (malformedSamples.length < MALFORMED_SAMPLES_MAX) malformedSamples.push(shorten(`pid ${row.pid}`));
      continue;
    }
    entries.push(entry.data);
    cpuTimes.set(stat.pid, { startTicks: stat.startTicks, cpuTicks: stat.cpuTicks });
  }
  const bootTimeMs = btime * 1000;
  const cpuReading: CpuReading = {
    uptimeS: second.uptimeS,
    clockTicks: clkTck,
    bootTimeMs,
    processes: cpuTimes,
  };
  const cpuPercent = first ? cpuPercentBetween(readingOf(first.uptimeS, first.stats), cpuReading) : new Map();

  return {
    entries,
    excludePids: sessionPids(entries, argsByPid, self.data),
    cpuPercent,
    cpuReading,
    memTotalBytes,
    hostUptimeS: second.uptimeS,
    bootTime: new Date(btime * 1000),
    // PID files' mtimes come over SFTP in whole seconds: that second of slack is in here too.
    startTimePrecisionMs: 1000 + Math.ceil(1000 / clkTck),
    malformedLines,
    malformedSamples,
  };
}

// sshd names its per-connection processes "sshd: user@notty" / "sshd: user [priv]" (OpenSSH ≥ 9.8:
// "sshd-session: …"); the listener is "sshd: /usr/sbin/sshd … [listener] …" or "/usr/sbin/sshd -D".
const SESSION_TITLE = /^sshd(-session)?: [^/\s][^\s]*( \[priv\])?$/;

/** The pids of our own ssh session: the sshd processes above the shell, and all below them. */
function sessionPids(
  entries: readonly ProcessEntry[],
  argsByPid: ReadonlyMap<number, string>,
  shellPid: number,
): Set<number> {
  const parent = new Map(entries.map((e) => [e.pid, e.ppid]));
  let top = shellPid;
  for (let p = parent.get(shellPid); p !== undefined && p > 1; p = parent.get(p)) {
    if (!SESSION_TITLE.test(argsByPid.get(p) ?? '')) break;
    top = p;
  }
  const tree = processTreePids(entries, top);
  tree.add(shellPid);
  return tree;
}

function shorten(line: string): string {
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}
