import { Limiter } from './limiter.ts';
import { type SshAuth, SshConnection, type SshConnectionOptions, type SshTarget } from './ssh-connection.ts';
import { isConnectionFatal } from './ssh-error.ts';

/** Settings of {@link SshPool}. */
export interface SshPoolOptions {
  readonly auth: SshAuth;
  /** Host checks in flight at once, over all hosts (each holds a channel and a share of CPU). */
  readonly concurrency: number;
  readonly connectTimeoutMs: number;
  /** SSH keep-alive probes on idle connections; 0 turns them off. */
  readonly keepaliveIntervalMs: number;
  /** An unused connection is closed after this long. */
  readonly idleTimeoutMs: number;
  /** Channels per connection (OpenSSH's MaxSessions default is 10: stay below). */
  readonly maxChannelsPerConnection: number;
  /** false: a fresh connection per use, closed after it (the benchmark's baseline). */
  readonly reuse?: boolean;
}

/** Defaults for everything but credentials and concurrency. */
export const SSH_POOL_DEFAULTS = {
  connectTimeoutMs: 10_000,
  keepaliveIntervalMs: 15_000,
  idleTimeoutMs: 120_000,
  maxChannelsPerConnection: 8,
} as const;

/** Counters for logs, metrics and the benchmark. */
export interface SshPoolStats {
  connectsStarted: number;
  connectsFailed: number;
  open: number;
  active: number;
  waiting: number;
}

/**
 * ssh2 connections reused per target: one connection per key, opened on first use, shared by
 * concurrent checks up to the channel cap, closed when idle, replaced when it dies. A global
 * limiter bounds the checks in flight.
 */
export class SshPool implements AsyncDisposable {
  readonly #options: SshPoolOptions;
  readonly #limiter: Limiter;
  readonly #connections = new Map<string, Promise<SshConnection>>();
  readonly #idleTimer: NodeJS.Timeout;
  #closed = false;
  #connectsStarted = 0;
  #connectsFailed = 0;

  constructor(options: SshPoolOptions) {
    this.#options = options;
    this.#limiter = new Limiter(options.concurrency);
    this.#idleTimer = setInterval(() => this.#closeIdle(), Math.max(1000, options.idleTimeoutMs / 4));
    this.#idleTimer.unref();
  }

  /** The settings the pool was made with. */
  get options(): SshPoolOptions {
    return this.#options;
  }

  get stats(): SshPoolStats {
    return {
      connectsStarted: this.#connectsStarted,
      connectsFailed: this.#connectsFailed,
      open: this.#connections.size,
      active: this.#limiter.active,
      waiting: this.#limiter.waiting,
    };
  }

  /**
   * Runs `fn` with a connection to `target`, holding one of the global slots. A failure that
   * leaves the connection unusable drops it from the pool, so the next use reconnects.
   */
  async use<T>(
    target: SshTarget,
    fn: (connection: SshConnection) => Promise<T>,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<T> {
    if (this.#closed) throw new Error('the SSH pool is closed');
    return this.#limiter.run(
      async () => {
        if (this.#options.reuse === false) {
          const connection = await this.#connect(target, signal);
          try {
            return await fn(connection);
          } finally {
            connection.close();
          }
        }
        const connection = await this.#get(target, signal);
        try {
          return await fn(connection);
        } catch (error) {
          if (isConnectionFatal(error)) this.#drop(target.key, connection);
          throw error;
        }
      },
      { signal },
    );
  }

  #connect(target: SshTarget, signal: AbortSignal | undefined): Promise<SshConnection> {
    this.#connectsStarted += 1;
    const options: SshConnectionOptions = {
      connectTimeoutMs: this.#options.connectTimeoutMs,
      keepaliveIntervalMs: this.#options.keepaliveIntervalMs,
      maxChannels: this.#options.maxChannelsPerConnection,
    };
    return SshConnection.connect(target, this.#options.auth, options, { signal }).catch((error: unknown) => {
      this.#connectsFailed += 1;
      throw error;
    });
  }

  async #get(target: SshTarget, signal: AbortSignal | undefined): Promise<SshConnection> {
    const existing = this.#connections.get(target.key);
    if (existing) {
      const connection = await existing.catch(() => undefined);
      if (connection?.isOpen) return connection;
      // A failed or dead entry: replace it (unless a concurrent caller already did).
      if (this.#connections.get(target.key) === existing) this.#connections.delete(target.key);
      return this.#get(target, signal);
    }
    // Concurrent callers for one host share this connect; a caller's abort must not fail the others.
    const connecting = this.#connect(target, undefined);
    this.#connections.set(target.key, connecting);
    connecting.then(
      (connection) => {
        connection.onClose(() => {
          if (this.#connections.get(target.key) === connecting) this.#connections.delete(target.key);
        });
        if (this.#closed) connection.close();
      },
      () => {
        if (this.#connections.get(target.key) === connecting) this.#connections.delete(target.key);
      },
    );
    return untilAborted(connecting, signal);
  }

  #drop(key: string, connection: SshConnection): void {
    const entry = this.#connections.get(key);
    if (entry) {
      void entry.then(
        (c) => {
          if (c === connection && this.#connections.get(key) === entry) this.#connections.delete(key);
        },
        () => {},
      );
    }
    connection.close();
  }

  #closeIdle(): void {
    const now = Date.now();
    for (const [key, entry] of this.#connections) {
      void entry.then(
        (connection) => {
          if (connection.busy === 0 && now - connection.lastUsedAt >= this.#options.idleTimeoutMs) {
            if (this.#connections.get(key) === entry) this.#connections.delete(key);
            connection.close();
          }
        },
        () => {},
      );
    }
  }

  /** Closes every connection (idempotent); later `use` calls fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#idleTimer);
    const entries = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(
      entries.map((e) =>
        e.then(
          (c) => c.close(),
          () => {},
        ),
      ),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** `promise`, or a rejection as soon as `signal` aborts (the listener is removed either way). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
