import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { GiveUp, waitUntil } from './poll.ts';

/** A child process of the suite: every line it prints is kept (memory and a log file). */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Every stdout and stderr line so far, in arrival order. */
  readonly lines: readonly string[];
  /** Resolves with the exit code, or the signal's name, once the process has exited. */
  readonly exited: Promise<number | string>;
  readonly running: boolean;
  /** Sends a signal (no-op once exited). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<number | string>;
  /** SIGTERM, SIGKILL after `graceMs`; resolves with the exit. Idempotent. */
  stop(graceMs?: number): Promise<number | string>;
  /** Lines parsed as JSON (pino), the others skipped. */
  jsonLines(): Record<string, unknown>[];
  /** Waits for a line matching `pattern` printed after line index `from`; returns the line. */
  waitForLine(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<string>;
}

const live = new Set<ChildProcess>();
const logFiles: string[] = [];

/** Log files of every process the suite started (the secret scan reads them all). */
export function allLogFiles(): readonly string[] {
  return logFiles;
}

// Last resort when the test runner itself goes down: no child outlives the suite.
process.once('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
});

/** Starts a process with a fixed argv (never a shell), capturing its output. */
export function startProcess(options: {
  name: string;
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
}): ManagedProcess {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  logFiles.push(options.logFile);
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${options.name} did not start`);
  live.add(child);
  const lines: string[] = [];
  let streamsOpen = 0;
  let streamsClosed: () => void = () => {};
  const allRead = new Promise<void>((resolve) => {
    streamsClosed = resolve;
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    streamsOpen += 1;
    const reader = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    reader.on('line', (line) => {
      lines.push(line);
      log.write(`${line}\n`);
    });
    reader.on('close', () => {
      streamsOpen -= 1;
      if (streamsOpen === 0) streamsClosed();
    });
  }
  let exitResult: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitResult = code ?? signal ?? 'unknown';
      live.delete(child);
      // The last lines may still be in the pipes: read them before reporting the exit.
      void Promise.race([allRead, new Promise((r) => setTimeout(r, 2000))]).then(() => {
        log.end();
        resolve(exitResult ?? 'unknown');
      });
    });
  });
  let stopping: Promise<number | string> | undefined;
  const self: ManagedProcess = {
    name: options.name,
    pid: child.pid,
    logFile: options.logFile,
    lines,
    exited,
    get running() {
      return exitResult === undefined;
    },
    signal(signal) {
      if (exitResult === undefined) child.kill(signal);
    },
    kill() {
      if (exitResult === undefined) child.kill('SIGKILL');
      return exited;
    },
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        if (exitResult !== undefined) return exited;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
    jsonLines() {
      const out: Record<string, unknown>[] = [];
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          out.push(JSON.parse(line) as Record<string, unknown>);
        } catch {}
      }
      return out;
    },
    waitForLine(pattern, waitOptions = {}) {
      const from = waitOptions.from ?? 0;
      return waitUntil(
        `${options.name} to print ${pattern}`,
        () => {
          for (let i = from; i < lines.length; i++) if (pattern.test(lines[i]!)) return lines[i];
          if (exitResult !== undefined) throw new GiveUp(`${options.name} exited (${exitResult})`);
          return undefined;
        },
        { timeoutMs: waitOptions.timeoutMs ?? 60_000 },
      );
    },
  };
  return self;
}
