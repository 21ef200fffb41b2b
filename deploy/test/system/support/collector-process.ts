import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/build-agent-bundle.ts';
import { HttpClient } from './http-client.ts';
import { type ManagedProcess, startProcess } from './managed-process.ts';
import { GiveUp, waitUntil } from './poll.ts';
import type { SuiteContext } from './suite-context.ts';

const COLLECTOR_BIN = join(REPO_ROOT, 'collector', 'bin', 'procwatch-collector.js');

/** Options of {@link CollectorProcess}. */
export interface CollectorOptions {
  readonly name: string;
  readonly databaseUrl: string;
  readonly port: number;
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** The address in the URL agents use, when it differs from `host` (e.g. listening on 0.0.0.0). */
  readonly urlHost?: string;
  /** More environment (PROCWATCH_* settings). */
  readonly env?: Record<string, string>;
  /** Run inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
  /** How the test reaches the collector when it is not on the test's loopback: a relay socket. */
  readonly socketPath?: string;
}

/** Only what a process needs from the test's environment: never DATABASE_URL, tokens or PROCWATCH_*. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * `procwatch-collector serve` as a real process (the development entry, TypeScript through tsx), with
 * its own admin and metrics tokens, logging at debug level so that every request is in the log the
 * secret scan reads. It can be SIGKILLed and started again on the same port and database.
 */
export class CollectorProcess {
  readonly adminToken: string;
  readonly metricsToken: string;
  readonly admin: HttpClient;
  readonly generations: ManagedProcess[] = [];
  readonly #options: CollectorOptions;
  readonly #ctx: SuiteContext;

  constructor(ctx: SuiteContext, options: CollectorOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.adminToken = ctx.newSecret(`${options.name} admin token`);
    this.metricsToken = ctx.newSecret(`${options.name} metrics token`);
    this.admin = new HttpClient(this.url, this.adminToken, {
      ...(options.socketPath ? { socketPath: options.socketPath } : {}),
    });
    ctx.defer(`stop ${options.name}`, async () => {
      await this.stop();
      await this.admin.close();
    });
  }

  /** The URL agents use. */
  get url(): string {
    return `http://${this.#options.urlHost ?? this.#options.host ?? '127.0.0.1'}:${this.#options.port}`;
  }

  get current(): ManagedProcess | undefined {
    return this.generations[this.generations.length - 1];
  }

  /** Every line every generation printed. */
  lines(): string[] {
    return this.generations.flatMap((g) => g.lines);
  }

  /** Starts a new generation and waits for /readyz. */
  async start(): Promise<void> {
    if (this.current?.running) throw new Error(`${this.#options.name} is already running`);
    const generation = this.generations.length + 1;
    const env: NodeJS.ProcessEnv = {
      ...baseEnv(),
      HOST: this.#options.host ?? '127.0.0.1',
      PORT: String(this.#options.port),
      DATABASE_URL: this.#options.databaseUrl,
      PROCWATCH_DATA_DIR: this.#ctx.path(this.#options.name, 'data'),
      PROCWATCH_ADMIN_TOKEN: this.adminToken,
      PROCWATCH_METRICS_TOKEN: this.metricsToken,
      LOG_LEVEL: 'debug',
      PROCWATCH_SHUTDOWN_TIMEOUT_MS: '3000',
      ...this.#options.env,
    };
    const node = [process.execPath, COLLECTOR_BIN, 'serve'];
    const [command, ...args] = this.#options.netns
      ? ['ip', 'netns', 'exec', this.#options.netns, ...node]
      : node;
    const proc = startProcess({
      name: `${this.#options.name}#${generation}`,
      command: command!,
      args,
      env,
      cwd: REPO_ROOT,
      logFile: this.#ctx.path('logs', `${this.#options.name}.${generation}.log`),
    });
    this.generations.push(proc);
    await waitUntil(
      `${proc.name} to be ready`,
      async () => {
        if (!proc.running) throw new GiveUp(`it exited: ${proc.lines.slice(-20).join('\n')}`);
        const answer = await this.admin.request({ path: '/readyz', token: null, timeoutMs: 5_000 });
        return answer.status === 200;
      },
      { timeoutMs: 120_000, intervalMs: 300 },
    );
  }

  /** SIGKILL the running generation (a crash: no drain, no goodbye). */
  async kill(): Promise<void> {
    await this.current?.kill();
  }

  /** SIGTERM (clean shutdown), SIGKILL after the grace. */
  async stop(graceMs = 15_000): Promise<void> {
    await this.current?.stop(graceMs);
  }

  /** Responses with status ≥ 500 the collector logged (debug "request" lines), over all generations. */
  serverErrors(filter: (entry: { path: string; status: number; time: number }) => boolean = () => true) {
    const out: { path: string; status: number; time: number; method: string }[] = [];
    for (const g of this.generations) {
      for (const e of g.jsonLines()) {
        if (e.msg !== 'request' || typeof e.status !== 'number' || e.status < 500) continue;
        const entry = {
          path: String(e.path),
          status: e.status,
          time: Number(e.time),
          method: String(e.method),
        };
        if (filter(entry)) out.push(entry);
      }
    }
    return out;
  }
}
