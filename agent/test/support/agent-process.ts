import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig } from '@procwatch/shared';
import { AGENT_BIN } from './cli.ts';
import { waitFor } from './poll.ts';

/** A `procwatch-agent run` child process with its JSON log lines. */
export interface AgentProcess {
  readonly child: ChildProcess;
  readonly logs: Record<string, unknown>[];
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends `signal` and resolves with the exit code/signal and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Writes an agent.json for a test into `dir`. */
export function writeAgentConfig(dir: string, urls: string[], token: string, extra: object = {}): string {
  const path = join(dir, 'agent.json');
  writeFileSync(
    path,
    JSON.stringify({
      collector: { urls, token, request_timeout_ms: 3000 },
      state_dir: dir,
      log_level: 'debug',
      ...extra,
    }),
  );
  return path;
}

/** Writes the config cache an agent would have written after fetching `config`. */
export function writeConfigCache(dir: string, config: AgentConfig): void {
  writeFileSync(
    join(dir, 'config-cache.json'),
    JSON.stringify({ version: 1, etag: null, fetched_at: new Date().toISOString(), config }),
  );
}

/** Starts `procwatch-agent run --config <path>`. */
export function startAgentProcess(configPath: string): AgentProcess {
  const child = spawn(process.execPath, [AGENT_BIN, 'run', '--config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const started = Date.now();
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const result = await exited;
    return { ...result, ms: Date.now() - started };
  };
  return {
    child,
    logs,
    waitForLog: (predicate, what, timeoutMs = 60_000) =>
      waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`agent exited (${child.exitCode}): ${stderr}`);
          return logs.find(predicate);
        },
        { what, timeoutMs },
      ),
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop('SIGKILL');
    },
  };
}
