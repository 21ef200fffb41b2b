import { errorMessage, type PidFileRead } from '@procwatch/shared';
import ssh2 from 'ssh2';
import type { HostKeyVerdict } from './host-key.ts';
import { Limiter } from './limiter.ts';
import { SshError } from './ssh-error.ts';

/** Where to connect and how to judge the server's key. */
export interface SshTarget {
  /** Pool key: equal keys share a connection (includes everything that would change the session). */
  readonly key: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** For messages: `name (address:port)`. */
  readonly label: string;
  /** Judges the presented host key blob; may write a TOFU pin first (hence async). */
  readonly verifyHostKey: (keyBlob: Buffer) => HostKeyVerdict | Promise<HostKeyVerdict>;
  /** Restricts host key algorithms (a pin naming an RSA key must not be met with an ed25519 key). */
  readonly hostKeyAlgorithms?: readonly string[] | undefined;
}

/** Client credentials from the collector's config (never from the database or the API). */
export interface SshAuth {
  readonly privateKey?: Buffer | undefined;
  /** Path of an ssh-agent socket (SSH_AUTH_SOCK). */
  readonly agentSocket?: string | undefined;
}

/** Timeouts and limits of one connection. */
export interface SshConnectionOptions {
  readonly connectTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
  /** Channels open at once; OpenSSH's MaxSessions is 10 by default. */
  readonly maxChannels: number;
}

/** What a remote command printed. */
export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
}

const STDERR_KEEP_BYTES = 4096;

type Client = InstanceType<typeof ssh2.Client>;
type Sftp = Parameters<Parameters<Client['sftp']>[0]>[1];
type ClientChannel = Parameters<Parameters<Client['exec']>[1]>[1];

/** Rejects with a timeout or abort error unless `work` settles first; `onGiveUp` cleans up. */
function withDeadline<T>(
  work: (settle: { resolve: (v: T) => void; reject: (e: unknown) => void }) => void,
  deadline: { timeoutMs: number; what: string; signal?: AbortSignal | undefined; onGiveUp?: () => void },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = () => {
      done = true;
      clearTimeout(timer);
      deadline.signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      if (done) return;
      finish();
      deadline.onGiveUp?.();
      reject(new SshError('aborted', `${deadline.what} was aborted`));
    };
    const timer = setTimeout(() => {
      if (done) return;
      finish();
      deadline.onGiveUp?.();
      reject(new SshError('timeout', `${deadline.what} timed out after ${deadline.timeoutMs} ms`));
    }, deadline.timeoutMs);
    if (deadline.signal?.aborted) return onAbort();
    deadline.signal?.addEventListener('abort', onAbort, { once: true });
    work({
      resolve: (v) => {
        if (done) return;
        finish();
        resolve(v);
      },
      reject: (e) => {
        if (done) return;
        finish();
        reject(e);
      },
    });
  });
}

/** One authenticated ssh2 client, shared by the checks of a host, with a cap on open channels. */
export class SshConnection {
  readonly #client: Client;
  readonly #channels: Limiter;
  #sftp: Promise<Sftp> | undefined;
  #closed = false;
  #lastUsedAt = Date.now();
  readonly #onClose = new Set<() => void>();

  private constructor(
    client: Client,
    readonly target: SshTarget,
    options: SshConnectionOptions,
  ) {
    this.#client = client;
    this.#channels = new Limiter(options.maxChannels);
    client.on('close', () => this.#markClosed());
    client.on('end', () => this.#markClosed());
    // After 'ready', errors (keep-alive timeouts, resets) end in 'close'; the listener keeps
    // them from being unhandled.
    client.on('error', () => this.#markClosed());
  }

  /** Connects and authenticates, refusing a server whose host key the target does not accept. */
  static connect(
    target: SshTarget,
    auth: SshAuth,
    options: SshConnectionOptions,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<SshConnection> {
    if (!auth.privateKey && !auth.agentSocket) {
      return Promise.reject(new SshError('not-configured', 'no SSH key or agent socket is configured'));
    }
    const client = new ssh2.Client();
    let refusal: HostKeyVerdict | undefined;
    let verifierError: unknown;
    return withDeadline<SshConnection>(
      ({ resolve, reject }) => {
        client.once('ready', () => {
          client.removeAllListeners('error');
          resolve(new SshConnection(client, target, options));
        });
        client.on('error', (error: Error & { level?: string }) => {
          if (refusal && !refusal.ok) {
            reject(new SshError('host-key-mismatch', refusal.message));
          } else if (verifierError) {
            reject(new SshError('host-key-unknown', errorMessage(verifierError), { cause: verifierError }));
          } else if (error.level === 'client-authentication') {
            reject(new SshError('auth', `authentication to ${target.label} failed: ${error.message}`));
          } else {
            reject(
              new SshError('connect', `cannot connect to ${target.label}: ${error.message}`, {
                cause: error,
              }),
            );
          }
          client.end();
        });
        client.once('close', () =>
          reject(new SshError('connect', `${target.label} closed the connection during the handshake`)),
        );
        client.connect({
          host: target.host,
          port: target.port,
          username: target.username,
          privateKey: auth.privateKey,
          agent: auth.privateKey ? undefined : auth.agentSocket,
          readyTimeout: options.connectTimeoutMs,
          keepaliveInterval: options.keepaliveIntervalMs,
          keepaliveCountMax: 3,
          ...(target.hostKeyAlgorithms
            ? { algorithms: { serverHostKey: [...target.hostKeyAlgorithms] as never } }
            : {}),
          // Runs before any authentication: a refused key means nothing was sent but the key exchange.
          hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
            Promise.resolve()
              .then(() => target.verifyHostKey(key))
              .then(
                (verdict) => {
                  refusal = verdict;
                  verify(verdict.ok);
                },
                (error: unknown) => {
                  verifierError = error;
                  verify(false);
                },
              );
          },
        });
      },
      {
        timeoutMs: options.connectTimeoutMs,
        what: `connecting to ${target.label}`,
        signal,
        onGiveUp: () => client.destroy(),
      },
    );
  }

  /** False once the transport closed; the pool then makes a new connection. */
  get isOpen(): boolean {
    return !this.#closed;
  }

  /** Channels in use or waited for. */
  get busy(): number {
    return this.#channels.active + this.#channels.waiting;
  }

  get lastUsedAt(): number {
    return this.#lastUsedAt;
  }

  /** Calls `listener` once when the transport closes. */
  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#onClose.add(listener);
  }

  /** Runs a fixed command on a channel; the output is cut off (and an error raised) past `maxBytes`. */
  async exec(
    command: string,
    options: { timeoutMs: number; maxBytes: number; signal?: AbortSignal },
  ): Promise<ExecResult> {
    const release = await this.#channels.acquire({ signal: options.signal });
    this.#lastUsedAt = Date.now();
    let channel: ClientChannel | undefined;
    try {
      return await withDeadline<ExecResult>(
        ({ resolve, reject }) => {
          if (this.#closed)
            return reject(new SshError('channel', `the connection to ${this.target.label} closed`));
          this.#client.exec(command, (error, ch) => {
            if (error) {
              reject(
                new SshError('channel', `cannot start the check on ${this.target.label}: ${error.message}`),
              );
              return;
            }
            channel = ch;
            const out: Buffer[] = [];
            let outBytes = 0;
            let err = '';
            let exitCode: number | null = null;
            ch.on('data', (chunk: Buffer) => {
              outBytes += chunk.length;
              if (outBytes > options.maxBytes) {
                ch.close();
                reject(new SshError('output', `the check's output passed ${options.maxBytes} bytes`));
                return;
              }
              out.push(chunk);
            });
            ch.stderr.on('data', (chunk: Buffer) => {
              if (err.length < STDERR_KEEP_BYTES) err += chunk.toString('utf8').slice(0, STDERR_KEEP_BYTES);
            });
            ch.on('exit', (code: number | null) => {
              exitCode = code;
            });
            ch.on('close', () =>
              resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: err, exitCode }),
            );
          });
        },
        {
          timeoutMs: options.timeoutMs,
          what: `the check on ${this.target.label}`,
          signal: options.signal,
          onGiveUp: () => channel?.close(),
        },
      );
    } finally {
      this.#lastUsedAt = Date.now();
      release();
    }
  }

  /**
   * Reads the start of a regular file over SFTP (no shell involved), at most `maxBytes`.
   * Failures come back as data (`ok: false` with an errno-like code), as the matcher expects.
   */
  async readFile(
    path: string,
    options: { timeoutMs: number; maxBytes: number; signal?: AbortSignal },
  ): Promise<PidFileRead> {
    let sftp: Sftp;
    try {
      sftp = await this.#openSftp(options);
    } catch (error) {
      return { ok: false, code: 'EIO', message: `SFTP is unavailable: ${errorMessage(error)}` };
    }
    this.#lastUsedAt = Date.now();
    return withDeadline<PidFileRead>(
      ({ resolve }) => {
        const fail = (error: unknown) => resolve(sftpFailure(error));
        // stat first: opening a FIFO would block the server's SFTP subsystem.
        sftp.stat(path, (statError, stats) => {
          if (statError) return fail(statError);
          if (!stats.isFile()) return resolve({ ok: false, code: 'EINVAL', message: 'not a regular file' });
          sftp.open(path, 'r', (openError, handle) => {
            if (openError) return fail(openError);
            const buffer = Buffer.alloc(options.maxBytes);
            const finish = (result: PidFileRead) => sftp.close(handle, () => resolve(result));
            const readFrom = (offset: number) => {
              if (offset >= options.maxBytes) return finish(content(buffer, offset, stats.mtime));
              sftp.read(handle, buffer, offset, options.maxBytes - offset, offset, (readError, bytesRead) => {
                if (readError) return finish(sftpFailure(readError));
                if (!bytesRead) return finish(content(buffer, offset, stats.mtime));
                readFrom(offset + bytesRead);
              });
            };
            readFrom(0);
          });
        });
      },
      {
        timeoutMs: options.timeoutMs,
        what: `reading ${path} over SFTP`,
        signal: options.signal,
        // A stuck SFTP session is dropped; the next read opens a fresh one.
        onGiveUp: () => this.#dropSftp(),
      },
    ).catch((error: unknown) => ({ ok: false as const, code: 'ETIMEDOUT', message: errorMessage(error) }));
  }

  #openSftp(options: { timeoutMs: number; signal?: AbortSignal }): Promise<Sftp> {
    if (this.#sftp) return this.#sftp;
    const opening = (async () => {
      // The SFTP session holds one channel slot for as long as it lives.
      const release = await this.#channels.acquire({ signal: options.signal });
      try {
        const sftp = await withDeadline<Sftp>(
          ({ resolve, reject }) => this.#client.sftp((error, s) => (error ? reject(error) : resolve(s))),
          { timeoutMs: options.timeoutMs, what: 'opening SFTP', signal: options.signal },
        );
        sftp.once('close', () => {
          if (this.#sftp === opening) this.#sftp = undefined;
          release();
        });
        return sftp;
      } catch (error) {
        release();
        throw error;
      }
    })();
    this.#sftp = opening;
    opening.catch(() => {
      if (this.#sftp === opening) this.#sftp = undefined;
    });
    return opening;
  }

  #dropSftp(): void {
    const current = this.#sftp;
    this.#sftp = undefined;
    current?.then((s) => s.end()).catch(() => {});
  }

  #markClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const listener of this.#onClose) listener();
    this.#onClose.clear();
  }

  /** Closes the transport (idempotent). */
  close(): void {
    this.#markClosed();
    this.#client.end();
    // end() waits for the server; destroy after a grace period so close never hangs.
    setTimeout(() => this.#client.destroy(), 1000).unref();
  }
}

function content(buffer: Buffer, length: number, mtime: number): PidFileRead {
  return {
    ok: true,
    content: buffer.subarray(0, length).toString('utf8'),
    modifiedAt: new Date(mtime * 1000),
  };
}

// SFTP status codes (draft-ietf-secsh-filexfer-02 §7) as the errno names the agent's reads produce.
function sftpFailure(error: unknown): PidFileRead {
  const code = (error as { code?: unknown }).code;
  const mapped = code === 2 ? 'ENOENT' : code === 3 ? 'EACCES' : 'EIO';
  return { ok: false, code: mapped, message: errorMessage(error) };
}
