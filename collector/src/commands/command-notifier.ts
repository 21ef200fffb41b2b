import { runLoop } from '@procwatch/shared';
import pg from 'pg';
import type { Logger } from '../logger.ts';

/**
 * Wakes long-polls when commands for a host may have arrived. Waiters also re-read the
 * AgentCommand table now and then, so a lost wake-up only delays a command, never loses it.
 */
export interface CommandNotifier {
  /** Tells every collector (this one included) that `hostServerId` has new commands. */
  publish(hostServerId: number): Promise<void>;
  /** Calls `listener` on each wake-up for `hostServerId`; returns the unsubscribe function. */
  subscribe(hostServerId: number, listener: () => void): () => void;
  /** True while wake-ups from other collectors arrive; waiters poll the table faster otherwise. */
  readonly crossInstance: boolean;
  close(): Promise<void>;
}

/** Wake-ups within this process only: enough for PGlite (one process) and for tests. */
export class LocalCommandNotifier implements CommandNotifier {
  readonly #listeners = new Map<number, Set<() => void>>();

  get crossInstance(): boolean {
    return false;
  }

  async publish(hostServerId: number): Promise<void> {
    this.emit(hostServerId);
  }

  subscribe(hostServerId: number, listener: () => void): () => void {
    let set = this.#listeners.get(hostServerId);
    if (!set) {
      set = new Set();
      this.#listeners.set(hostServerId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(hostServerId) === set) this.#listeners.delete(hostServerId);
    };
  }

  protected emit(hostServerId: number): void {
    for (const listener of this.#listeners.get(hostServerId) ?? []) listener();
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}

const CHANNEL = 'procwatch_agent_commands';

/**
 * Wake-ups across collectors through PostgreSQL LISTEN/NOTIFY. Kysely has no LISTEN, and a
 * pooled connection would drop it, so one dedicated pg.Client listens and reconnects with backoff.
 */
export class PgCommandNotifier extends LocalCommandNotifier {
  readonly #abort = new AbortController();
  readonly #loop: Promise<void>;
  #client: pg.Client | undefined;
  #listening = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {
    super();
    this.#loop = runLoop((signal) => this.#listen(signal), {
      signal: this.#abort.signal,
      intervalMs: 1000,
      backoffBaseMs: 1000,
      backoffMaxMs: 30_000,
      onError: (error, attempt) =>
        this.logger.warn({ err: error, attempt }, 'command LISTEN connection failed'),
    });
  }

  override get crossInstance(): boolean {
    return this.#listening;
  }

  override async publish(hostServerId: number): Promise<void> {
    this.emit(hostServerId);
    const client = this.#client;
    if (client && this.#listening) {
      await client.query('SELECT pg_notify($1, $2)', [CHANNEL, String(hostServerId)]);
    }
  }

  // Connects, listens, and resolves when the connection ends (runLoop then reconnects).
  async #listen(signal: AbortSignal): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 10_000 });
    const ended = new Promise<void>((resolve) => {
      client.on('end', () => resolve());
      client.on('error', (error) => {
        this.logger.warn({ err: error }, 'command LISTEN connection lost');
        resolve();
      });
    });
    client.on('notification', (message) => {
      const host = Number(message.payload);
      if (message.channel === CHANNEL && Number.isSafeInteger(host)) this.emit(host);
    });
    const onAbort = () => void client.end().catch(() => {});
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.#client = client;
      this.#listening = true;
      await ended;
    } finally {
      this.#listening = false;
      if (this.#client === client) this.#client = undefined;
      signal.removeEventListener('abort', onAbort);
      await client.end().catch(() => {});
    }
  }

  override async close(): Promise<void> {
    this.#abort.abort();
    await this.#client?.end().catch(() => {});
    await this.#loop;
    await super.close();
  }
}
