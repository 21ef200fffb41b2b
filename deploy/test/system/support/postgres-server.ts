import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { waitUntil } from './poll.ts';

const run = promisify(execFile);
const OS_USER = 'postgres';

// pg_ctl daemonizes the server: it is no child of the suite. If the runner dies before its cleanup,
// stop every instance it started anyway.
const started = new Map<string, string>();
process.once('exit', () => {
  for (const [data, pgCtl] of started) {
    try {
      execFileSync('runuser', ['-u', OS_USER, '--', pgCtl, '-D', data, '-m', 'immediate', 'stop'], {
        stdio: 'ignore',
        timeout: 30_000,
      });
    } catch {}
  }
});

/** The newest Debian PostgreSQL server binaries (`/usr/lib/postgresql/<major>/bin`), or undefined. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : undefined;
}

/** Why a private PostgreSQL cannot run here, or undefined. */
export function postgresUnavailableReason(): string | undefined {
  if (!findPostgresBin()) return 'no PostgreSQL server binaries in /usr/lib/postgresql/*/bin';
  if (process.getuid?.() !== 0) return 'starting PostgreSQL as the postgres OS user needs root';
  return undefined;
}

async function idOf(flag: '-u' | '-g'): Promise<number> {
  const { stdout } = await run('id', [flag, OS_USER]);
  return Number(stdout.trim());
}

/**
 * A PostgreSQL instance of the suite's own, in a temp dir, run as the `postgres` OS user on a port of
 * 127.0.0.1 (and a Unix socket in its dir), trust auth. Restarting it never touches the machine's shared
 * server that other test suites use.
 */
export class PostgresServer {
  readonly socketDir: string;
  readonly #data: string;
  readonly #logFile: string;
  readonly #pgCtl: string;

  private constructor(
    readonly dir: string,
    readonly port: number,
    bin: string,
  ) {
    this.#data = join(dir, 'data');
    this.socketDir = join(dir, 'sock');
    this.#logFile = join(dir, 'postgres.log');
    this.#pgCtl = join(bin, 'pg_ctl');
  }

  /** initdb into `dir` (created, owned by postgres) and start on `port`. */
  static async create(dir: string, port: number): Promise<PostgresServer> {
    const bin = findPostgresBin();
    if (!bin) throw new Error('no PostgreSQL binaries');
    const uid = await idOf('-u');
    const gid = await idOf('-g');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const server = new PostgresServer(dir, port, bin);
    mkdirSync(server.socketDir, { recursive: true });
    chownSync(dir, uid, gid);
    chownSync(server.socketDir, uid, gid);
    await run('runuser', [
      '-u',
      OS_USER,
      '--',
      join(bin, 'initdb'),
      '-D',
      server.#data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    const conf = join(server.#data, 'postgresql.conf');
    writeFileSync(
      conf,
      `${readFileSync(conf, 'utf8')}
# procwatch system suite
port = ${port}
listen_addresses = '127.0.0.1'
unix_socket_directories = '${server.socketDir}'
max_connections = 200
shared_buffers = 64MB
fsync = off
full_page_writes = off
log_min_messages = warning
`,
    );
    await server.start();
    return server;
  }

  /** A connection URL for `database` over TCP. */
  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** A connection URL for `database` over the Unix socket (reachable from other network namespaces). */
  socketUrl(database: string): string {
    return `postgres://postgres@localhost:${this.port}/${database}?host=${encodeURIComponent(this.socketDir)}`;
  }

  async #pgCtlRun(args: string[]): Promise<void> {
    await run('runuser', ['-u', OS_USER, '--', this.#pgCtl, '-D', this.#data, ...args], {
      timeout: 120_000,
    });
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    started.set(this.#data, this.#pgCtl);
    await this.#pgCtlRun(['-l', this.#logFile, '-w', '-t', '90', 'start']);
    await waitUntil('PostgreSQL to accept connections', () => this.#ping(), { timeoutMs: 60_000 });
  }

  /** Stops the server: `fast` (clean) or `immediate` (crash-like: recovery at the next start). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.#pgCtlRun(['-m', mode, '-w', '-t', '90', 'stop']);
    started.delete(this.#data);
  }

  get running(): boolean {
    return existsSync(join(this.#data, 'postmaster.pid'));
  }

  async #ping(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url('postgres'), connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** Creates an empty database. */
  async createDatabase(name: string): Promise<void> {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
    await this.query('postgres', `CREATE DATABASE ${name}`);
  }

  /** Runs one query on `database` with a short-lived client. */
  async query<R extends pg.QueryResultRow = Record<string, unknown>>(
    database: string,
    text: string,
    values: unknown[] = [],
  ): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.url(database), connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** The server's log (warnings and errors). */
  log(): string {
    try {
      return readFileSync(this.#logFile, 'utf8');
    } catch {
      return '';
    }
  }
}
