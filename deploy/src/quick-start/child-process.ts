import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

/** A daemon the quick start runs: its log goes to a file, warnings and errors also to the console. */
export interface Daemon {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (or the signal's name) when the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. Idempotent. */
  stop(graceMs: number): Promise<number | string>;
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** One console line for a pino JSON log line at warn or above; undefined for the rest. */
export function consoleLineOf(name: string, line: string): string | undefined {
  let entry: { level?: unknown; msg?: unknown; err?: { message?: unknown } };
  try {
    entry = JSON.parse(line);
  } catch {
    // Not JSON (a stack trace, a message before the logger exists): show it.
    return line.trim() ? `[${name}] ${line}` : undefined;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  if (level < 40) return undefined;
  const detail = typeof entry.err?.message === 'string' ? `: ${entry.err.message}` : '';
  return `[${name}] ${LEVELS[level] ?? level} ${String(entry.msg ?? '')}${detail}`;
}

/**
 * Starts a daemon in its own process group, so that Ctrl-C in the terminal reaches the quick start
 * only, which then stops the agent before the collector, each cleanly.
 */
export function startDaemon(options: {
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  print: (line: string) => void;
}): Daemon {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a', mode: 0o600 });
  const child: ChildProcess = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`${options.name} did not start`);
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      log.write(`${line}\n`);
      const shown = consoleLineOf(options.name, line);
      if (shown) options.print(shown);
    });
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      log.end();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  let stopping: Promise<number | string> | undefined;
  return {
    name: options.name,
    pid: child.pid,
    exited,
    stop(graceMs) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return exited;
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
  };
}
