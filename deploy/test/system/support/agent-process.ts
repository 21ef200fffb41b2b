import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/build-agent-bundle.ts';
import { baseEnv } from './collector-process.ts';
import { type ManagedProcess, startProcess } from './managed-process.ts';
import type { SuiteContext } from './suite-context.ts';

const AGENT_BIN = join(REPO_ROOT, 'agent', 'bin', 'procwatch-agent.js');

/** Options of {@link AgentProcess}. */
export interface AgentOptions {
  readonly name: string;
  readonly collectorUrls: readonly string[];
  readonly token: string;
  /** Spool directory (default: state/spool under the agent's dir). */
  readonly spoolDir?: string;
  readonly spool?: { max_bytes?: number; segment_bytes?: number };
  /** The agent's request timeout (its config's minimum is 1 s). */
  readonly requestTimeoutMs?: number;
  /** Run inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
}

/** The spool counters an agent logs when it starts and when it stops. */
export interface SpoolStats {
  depth: number;
  lastSeq: number;
  ackedSeq: number;
  lost: number;
  skippedRanges: number;
  invalidRecords: number;
}

/**
 * `procwatch-agent run --config …` as a real process with its own config file, token file, state dir
 * and spool. It can be SIGKILLed and started again on the same spool.
 */
export class AgentProcess {
  readonly dir: string;
  readonly configFile: string;
  readonly spoolDir: string;
  readonly generations: ManagedProcess[] = [];
  readonly #options: AgentOptions;
  readonly #ctx: SuiteContext;

  constructor(ctx: SuiteContext, options: AgentOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.dir = ctx.path(options.name);
    this.spoolDir = options.spoolDir ?? join(this.dir, 'state', 'spool');
    this.configFile = join(this.dir, 'agent.json');
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, 'agent.token'), `${options.token}\n`, { mode: 0o600 });
    const config = {
      collector: {
        urls: options.collectorUrls,
        token_file: 'agent.token',
        request_timeout_ms: options.requestTimeoutMs ?? 5_000,
      },
      state_dir: 'state',
      spool: { dir: this.spoolDir, ...options.spool },
      log_level: 'debug',
    };
    writeFileSync(this.configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    ctx.defer(`stop ${options.name}`, () => this.stop(5_000).then(() => {}));
  }

  get current(): ManagedProcess | undefined {
    return this.generations[this.generations.length - 1];
  }

  lines(): string[] {
    return this.generations.flatMap((g) => g.lines);
  }

  /** Starts a new generation and waits for its "agent started" line. */
  async start(): Promise<ManagedProcess> {
    if (this.current?.running) throw new Error(`${this.#options.name} is already running`);
    const generation = this.generations.length + 1;
    const node = [process.execPath, AGENT_BIN, 'run', '--config', this.configFile];
    const [command, ...args] = this.#options.netns
      ? ['ip', 'netns', 'exec', this.#options.netns, ...node]
      : node;
    const proc = startProcess({
      name: `${this.#options.name}#${generation}`,
      command: command!,
      args,
      env: baseEnv(),
      cwd: this.dir,
      logFile: this.#ctx.path('logs', `${this.#options.name}.${generation}.log`),
    });
    this.generations.push(proc);
    await proc.waitForLine(/"msg":"agent started"/, { timeoutMs: 90_000 });
    return proc;
  }

  async kill(): Promise<void> {
    await this.current?.kill();
  }

  /** SIGTERM (the agent flushes and closes its spool), SIGKILL after the grace. */
  async stop(graceMs = 10_000): Promise<number | string | undefined> {
    return this.current?.stop(graceMs);
  }

  /** The spool stats of the last "agent started" / "agent stopped" line of a generation. */
  spoolStats(which: 'started' | 'stopped', generation = this.current): SpoolStats | undefined {
    if (!generation) return undefined;
    const lines = generation.jsonLines().filter((e) => e.msg === `agent ${which}`);
    const spool = lines[lines.length - 1]?.spool as SpoolStats | undefined;
    return spool;
  }

  /** Samples the collector answered as already stored, over the generations that stopped cleanly. */
  duplicatesAnswered(): number {
    return this.generations
      .flatMap((g) => g.jsonLines())
      .filter((e) => e.msg === 'agent stopped')
      .reduce((n, e) => n + Number((e.push as { duplicates?: number } | undefined)?.duplicates ?? 0), 0);
  }

  /** Every JSON log entry of every generation. */
  entries(): Record<string, unknown>[] {
    return this.generations.flatMap((g) => g.jsonLines());
  }
}
