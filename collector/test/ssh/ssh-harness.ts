import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEFAULT_COMPILED_CALENDAR } from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import type { CollectorHooks } from '../../src/ingest/hooks.ts';
import { SampleStore } from '../../src/ingest/store-samples.ts';
import { createLogger } from '../../src/logger.ts';
import type { SshCheckerDeps } from '../../src/ssh/ssh-checker.ts';
import { SshPool } from '../../src/ssh/ssh-pool.ts';
import { SshSweeper } from '../../src/ssh/sweep-job.ts';
import type { SshdFixture } from '../support/sshd.ts';

/** A process with a distinctive argv for the SSH checks to find; killed on dispose. */
export async function startTarget(): Promise<{ child: ChildProcess; tag: string } & AsyncDisposable> {
  const tag = `procwatch-ssh-${randomUUID()}`;
  const child = spawn(process.execPath, ['-e', 'setInterval(()=>{},1e3)', tag], { stdio: 'ignore' });
  await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  return {
    child,
    tag,
    [Symbol.asyncDispose]: async () => {
      child.kill('SIGKILL');
    },
  };
}

/** A pool logging in to the fixture with its client key; generous timeouts for a loaded machine. */
export function testPool(
  sshd: SshdFixture,
  options: { reuse?: boolean; concurrency?: number } = {},
): SshPool {
  return new SshPool({
    auth: { privateKey: readFileSync(sshd.clientKey.privateKeyFile) },
    concurrency: options.concurrency ?? 8,
    connectTimeoutMs: 30_000,
    keepaliveIntervalMs: 15_000,
    idleTimeoutMs: 60_000,
    maxChannelsPerConnection: 8,
    reuse: options.reuse,
  });
}

/** A collector's SSH side over one database: the sample store, the checker and the sweeper. */
export interface SshCollector extends AsyncDisposable {
  readonly pool: SshPool;
  readonly store: SampleStore;
  readonly checker: SshCheckerDeps;
  readonly sweeper: SshSweeper;
}

export function sshCollector(
  db: Kysely<Database>,
  sshd: SshdFixture,
  options: { clock?: () => Date; hooks?: CollectorHooks; owner?: string; pollMs?: number } = {},
): SshCollector {
  const clock = options.clock ?? (() => new Date());
  const log = createLogger('silent');
  const pool = testPool(sshd);
  const store = new SampleStore({ db, logger: log, clock, hooks: options.hooks ?? {}, retentionDays: 30 });
  const checker: SshCheckerDeps = {
    db,
    pool,
    defaultUser: sshd.user,
    calendar: DEFAULT_COMPILED_CALENDAR,
    commandTimeoutMs: 30_000,
    log,
    now: clock,
  };
  const sweeper = new SshSweeper({
    db,
    checker,
    samples: store,
    log,
    clock,
    pollMs: options.pollMs ?? 250,
    minIntervalMs: 1000,
    maxInFlight: 16,
    owner: options.owner,
  });
  return {
    pool,
    store,
    checker,
    sweeper,
    [Symbol.asyncDispose]: async () => {
      await sweeper.drain();
      await pool.close();
    },
  };
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
