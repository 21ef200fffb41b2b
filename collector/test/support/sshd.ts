import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Where Debian/Ubuntu's openssh-server puts the daemon (`.ci/install-sshd.sh` installs it). */
export const SSHD_PATH = '/usr/sbin/sshd';
const SSH_KEYGEN = 'ssh-keygen';

/** Why the sshd-backed tests cannot run here, or undefined when they can. */
export function sshdUnavailableReason(): string | undefined {
  if (!existsSync(SSHD_PATH)) return `${SSHD_PATH} is missing (run .ci/install-sshd.sh)`;
  if (process.getuid?.() !== 0) return 'sshd privilege separation needs root';
  return undefined;
}

/** A generated key pair on disk. */
export interface GeneratedKey {
  readonly privateKeyFile: string;
  /** `ssh-ed25519 AAAA…` (no comment). */
  readonly publicKey: string;
  /** `SHA256:…` exactly as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
}

/** Generates an ed25519 key pair with ssh-keygen (fixed argv) in `dir`. */
export function generateKey(dir: string, name: string): GeneratedKey {
  const file = join(dir, name);
  execFileSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', file], { stdio: 'ignore' });
  const publicKey = readFileSync(`${file}.pub`, 'utf8').trim();
  // "256 SHA256:abc… no comment (ED25519)"
  const listing = execFileSync(SSH_KEYGEN, ['-l', '-f', `${file}.pub`], { encoding: 'utf8' });
  const fingerprint = listing.split(' ')[1];
  if (!fingerprint?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -l output: ${listing}`);
  return { privateKeyFile: file, publicKey, fingerprint };
}

/** A running OpenSSH server on 127.0.0.1, its keys, and its log. */
export interface SshdFixture extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  /** The user the tests log in as (the current user). */
  readonly user: string;
  readonly dir: string;
  readonly hostKey: GeneratedKey;
  /** The authorized client key. */
  readonly clientKey: GeneratedKey;
  /** A `known_hosts` line for this server. */
  readonly knownHostsLine: string;
  /** Everything sshd logged so far (stderr, LogLevel VERBOSE). */
  log(): string;
  /** Remote commands sshd started (`exec` requests), counted from its log. */
  commandSessions(): number;
  /** Sessions of any kind (commands and subsystems such as sftp). */
  sessions(): number;
  /** Successful public-key logins. */
  acceptedLogins(): number;
  /** TCP connections sshd accepted. */
  connections(): number;
  /** Client ports of the connections sshd accepted, in order (they identify a connection's log lines). */
  connectionPorts(): number[];
  /** The log lines of the connection from client port `port`. */
  connectionLog(port: number): string[];
  /** Resolves when `pattern` appears in the log; rejects after `timeoutMs`. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves when `predicate()` holds (checked on every log line); rejects after `timeoutMs`. */
  waitUntil(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link startSshd}. */
export interface SshdOptions {
  /** sshd LogLevel; VERBOSE logs one "Starting session: command" line per exec request. */
  logLevel?: 'VERBOSE' | 'DEBUG';
  /**
   * Run sshd in its own PID namespace (`unshare --pid --mount-proc`): its sessions see only its own
   * processes, as on a separate host, not this machine's. The benchmark uses it so that 200 "hosts"
   * do not each list every process of the shared test machine.
   */
  isolatedProcesses?: boolean;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

function configText(dir: string, port: number, logLevel: string, extra: string[]): string {
  return [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${join(dir, 'host_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    `LogLevel ${logLevel}`,
    'Subsystem sftp internal-sftp',
    // The benchmark opens hundreds of connections at once; the default 10:30:100 drops them.
    'MaxStartups 1000',
    'MaxSessions 10',
    'UseDNS no',
    // A clean home: bash started by sshd sources ~/.bashrc, and this machine's root runs pyenv
    // init there (~100 processes per command). A monitoring account should have no such rc files.
    `SetEnv HOME=${join(dir, 'home')}`,
    ...extra,
    '',
  ].join('\n');
}

function sshdAccepts(configFile: string): boolean {
  try {
    execFileSync(SSHD_PATH, ['-t', '-f', configFile], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `sshd -D -e` on a free loopback port with a generated host key and an authorized
 * client key, all in a fresh temp dir. Logs go to stderr and are kept in memory, so tests can
 * count what ran on the server side.
 */
export async function startSshd(options: SshdOptions = {}): Promise<SshdFixture> {
  const reason = sshdUnavailableReason();
  if (reason) throw new Error(`cannot start sshd: ${reason}`);
  // Privilege separation directory; packages create it at boot, containers often lack it.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'procwatch-sshd-'));
  const hostKey = generateKey(dir, 'host_key');
  const clientKey = generateKey(dir, 'client_key');
  writeFileSync(join(dir, 'authorized_keys'), `${clientKey.publicKey}\n`, { mode: 0o600 });
  mkdirSync(join(dir, 'home'));
  const configFile = join(dir, 'sshd_config');
  const logLevel = options.logLevel ?? 'VERBOSE';

  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // OpenSSH ≥ 9.8 penalises sources whose connections fail (a refused host key does): that would
    // slow every later test from 127.0.0.1. Older versions reject the option, so probe for it.
    writeFileSync(configFile, configText(dir, port, logLevel, ['PerSourcePenalties no']));
    if (!sshdAccepts(configFile)) writeFileSync(configFile, configText(dir, port, logLevel, []));
    try {
      const sshd = [SSHD_PATH, '-D', '-e', '-f', configFile];
      const isolated = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child=SIGTERM', ...sshd];
      // setpriv's parent-death signal: a test process that dies without cleaning up takes its sshd along.
      const argv = ['setpriv', '--pdeathsig', 'KILL', '--', ...(options.isolatedProcesses ? isolated : sshd)];
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
      // unshare ignores SIGTERM while it waits; killing it makes --kill-child send sshd SIGTERM.
      const stopSignal = options.isolatedProcesses ? 'SIGKILL' : 'SIGTERM';
      return await fixture(child, dir, port, hostKey, clientKey, stopSignal);
    } catch (error) {
      lastError = error;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`sshd did not start: ${String(lastError)}`);
}

function fixture(
  child: ChildProcess,
  dir: string,
  port: number,
  hostKey: GeneratedKey,
  clientKey: GeneratedKey,
  stopSignal: NodeJS.Signals,
): Promise<SshdFixture> {
  let text = '';
  const listeners = new Set<() => void>();
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    text += chunk;
    for (const l of listeners) l();
  });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      for (const l of listeners) l();
      resolve();
    }),
  );
  const count = (re: RegExp) => text.match(re)?.length ?? 0;

  const waitForLog = (pattern: RegExp, timeoutMs = 20_000) =>
    waitUntil(() => pattern.test(text), timeoutMs, pattern);
  const waitUntil = (predicate: () => boolean, timeoutMs = 20_000, what: unknown = 'a condition') =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (predicate()) {
          done();
          resolve();
        } else if (exited) {
          done();
          reject(new Error(`sshd exited before ${String(what)}; log:\n${text}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${String(what)} in the sshd log:\n${text}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      if (!exited) {
        child.kill(stopSignal);
        const forced = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exitedPromise;
        clearTimeout(forced);
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return closing;
  };

  const user = userInfo().username;
  const self: SshdFixture = {
    host: '127.0.0.1',
    port,
    user,
    dir,
    hostKey,
    clientKey,
    knownHostsLine: `[127.0.0.1]:${port} ${hostKey.publicKey}`,
    log: () => text,
    commandSessions: () => count(/Starting session: command for /g),
    sessions: () => count(/Starting session: /g),
    acceptedLogins: () => count(/Accepted publickey for /g),
    connections: () => count(/Connection from 127\.0\.0\.1 port \d+ on /g),
    connectionPorts: () =>
      [...text.matchAll(/Connection from 127\.0\.0\.1 port (\d+) on /g)].map((m) => Number(m[1])),
    connectionLog: (clientPort) =>
      text.split('\n').filter((line) => new RegExp(`port ${clientPort}([^0-9]|$)`).test(line)),
    waitForLog,
    waitUntil,
    close,
    [Symbol.asyncDispose]: close,
  };
  return waitForLog(new RegExp(`Server listening on 127\\.0\\.0\\.1 port ${port}\\.`), 15_000).then(
    () => self,
    async (error: unknown) => {
      child.kill('SIGKILL');
      await exitedPromise;
      throw error;
    },
  );
}
