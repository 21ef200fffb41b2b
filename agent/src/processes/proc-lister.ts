import { closeSync, openSync, readdirSync, readlinkSync, readSync, statSync } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { MATCH_COMMAND_LINE_MAX_LENGTH, type ProcessEntry } from '@procwatch/shared';
import { type ProcStat, parseProcStatBytes } from './proc-stat.ts';
import type { ListOptions, ProcessLister, ProcessProbe } from './process-lister.ts';
import type { SystemConstants } from './system-constants.ts';

// Synchronous reads: /proc files are generated in memory, and one open/read/close in the calling
// thread costs a fraction of a libuv threadpool round trip per file. The scan yields to the event
// loop every chunk so a 1,000-process scan never blocks it for long.
const YIELD_EVERY = 200;
const STAT_BUFFER_BYTES = 4096;

/** Reads a /proc file into `buffer` (up to its size); returns the byte count, or -1 if the process is gone. */
function readProcFile(path: string, buffer: Buffer): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return -1;
  }
  try {
    let total = 0;
    for (;;) {
      const n = readSync(fd, buffer, total, buffer.length - total, null);
      if (n === 0) return total;
      total += n;
      if (total === buffer.length) return total;
    }
  } catch {
    return -1;
  } finally {
    closeSync(fd);
  }
}

function isPidName(name: string): boolean {
  const c = name.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/** Linux `/proc` reader: stat, cmdline, and optionally exe and uid of every process. */
export class ProcLister implements ProcessLister {
  readonly kind = 'proc' as const;
  // btime has whole-second precision, ticks 10 ms.
  readonly startTimePrecisionMs: number;
  readonly identityToleranceMs = 0;
  readonly #constants: SystemConstants;
  readonly #root: string;
  readonly #statBuffer = Buffer.allocUnsafe(STAT_BUFFER_BYTES);
  readonly #cmdlineBuffer = Buffer.allocUnsafe(MATCH_COMMAND_LINE_MAX_LENGTH);

  constructor(constants: SystemConstants, root = '/proc') {
    this.#constants = constants;
    this.#root = root;
    this.startTimePrecisionMs = 1000 + Math.ceil(1000 / constants.clockTicks);
  }

  #readStat(pid: number | string): ProcStat | null {
    const n = readProcFile(`${this.#root}/${pid}/stat`, this.#statBuffer);
    return n > 0 ? parseProcStatBytes(this.#statBuffer, n) : null;
  }

  #startTime(stat: ProcStat): Date {
    return new Date(
      this.#constants.bootTimeMs + Math.round((stat.startTicks * 1000) / this.#constants.clockTicks),
    );
  }

  #cpuTimeMs(stat: ProcStat): number {
    return ((stat.utimeTicks + stat.stimeTicks) * 1000) / this.#constants.clockTicks;
  }

  #readCmdline(pid: string, comm: string): string {
    const n = readProcFile(`${this.#root}/${pid}/cmdline`, this.#cmdlineBuffer);
    let end = n;
    while (end > 0 && this.#cmdlineBuffer[end - 1] === 0) end--;
    // Kernel threads and zombies have no command line; ps prints their name in brackets.
    if (end <= 0) return `[${comm}]`;
    // Arguments are NUL-separated; join them with spaces in place, then decode once.
    const buffer = this.#cmdlineBuffer;
    for (let i = buffer.indexOf(0, 0); i !== -1 && i < end; i = buffer.indexOf(0, i + 1)) buffer[i] = 0x20;
    return buffer.toString('utf8', 0, end);
  }

  #readExe(pid: string): string | null {
    try {
      return readlinkSync(`${this.#root}/${pid}/exe`).replace(/ \(deleted\)$/, '');
    } catch {
      // EACCES for other users' processes when not root, ENOENT for kernel threads.
      return null;
    }
  }

  async list(options: ListOptions = {}): Promise<ProcessEntry[]> {
    const names = readdirSync(this.#root);
    const entries: ProcessEntry[] = [];
    let sinceYield = 0;
    for (const name of names) {
      if (!isPidName(name)) continue;
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await yieldToEventLoop();
        options.signal?.throwIfAborted();
      }
      const stat = this.#readStat(name);
      if (stat === null) continue;
      const entry: ProcessEntry = {
        pid: stat.pid,
        ppid: stat.ppid,
        name: stat.comm,
        cmdline: this.#readCmdline(name, stat.comm),
        startTime: this.#startTime(stat),
        state: stat.state,
        cpuTimeMs: this.#cpuTimeMs(stat),
        rssBytes: stat.rssPages * this.#constants.pageSize,
      };
      if (options.exe) entry.exe = this.#readExe(name);
      if (options.uid) {
        try {
          entry.uid = statSync(`${this.#root}/${name}`).uid;
        } catch {
          entry.uid = null;
        }
      }
      entries.push(entry);
    }
    return entries;
  }

  async probe(pids: readonly number[]): Promise<Map<number, ProcessProbe>> {
    const probes = new Map<number, ProcessProbe>();
    for (const pid of pids) {
      const stat = this.#readStat(pid);
      if (stat === null || stat.pid !== pid) continue;
      probes.set(pid, {
        pid,
        startTime: this.#startTime(stat),
        state: stat.state,
        cpuTimeMs: this.#cpuTimeMs(stat),
        rssBytes: stat.rssPages * this.#constants.pageSize,
        readAtMs: Date.now(),
      });
    }
    return probes;
  }

  async close(): Promise<void> {}
}
