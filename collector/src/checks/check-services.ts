import { readFileSync } from 'node:fs';
import { compileCalendar, errorMessage, type TradingCalendar } from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { CommandBus } from '../commands/command-bus.ts';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { CpuHistory } from '../ssh/cpu-usage.ts';
import type { SshCheckerDeps } from '../ssh/ssh-checker.ts';
import type { SshConfig } from '../ssh/ssh-config.ts';
import { SSH_POOL_DEFAULTS, SshPool } from '../ssh/ssh-pool.ts';
import { type SampleSink, SshSweeper } from '../ssh/sweep-job.ts';
import { ManualCheckService } from './manual-check.ts';

/** What the SSH fallback and manual checks need of the collector (its AppDeps fit). */
export interface CheckServiceDeps {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly config: { readonly ssh: SshConfig; readonly calendar: TradingCalendar };
  readonly samples: SampleSink;
  readonly commands: Pick<CommandBus, 'enqueue'>;
  /** Aborted when the collector stops: the services close. */
  readonly signal?: AbortSignal;
}

/** The collector's SSH fallback (absent without credentials) and the manual-check service. */
export interface CheckServices extends AsyncDisposable {
  /** One connection pool for the sweep and manual checks alike. */
  readonly pool: SshPool | undefined;
  readonly ssh: SshCheckerDeps | undefined;
  readonly sweeper: SshSweeper | undefined;
  readonly manualChecks: ManualCheckService;
  close(): Promise<void>;
}

/** Thrown at start-up when the configured SSH key cannot be read. */
export class SshCredentialsError extends Error {
  override name = 'SshCredentialsError';
}

/** Builds the services; reads the private key file once (never logged, never stored). */
export function createCheckServices(deps: CheckServiceDeps): CheckServices {
  const log = deps.logger.child({ component: 'ssh' });
  const config = deps.config.ssh;
  let pool: SshPool | undefined;
  let ssh: SshCheckerDeps | undefined;
  let sweeper: SshSweeper | undefined;
  if (config.enabled) {
    let privateKey: Buffer | undefined;
    if (config.keyFile) {
      try {
        privateKey = readFileSync(config.keyFile);
      } catch (error) {
        throw new SshCredentialsError(
          `PROCWATCH_SSH_KEY_FILE: cannot read ${config.keyFile}: ${errorMessage(error)}`,
        );
      }
    }
    pool = new SshPool({
      ...SSH_POOL_DEFAULTS,
      auth: { privateKey, agentSocket: config.agentSocket },
      concurrency: config.concurrency,
      connectTimeoutMs: config.connectTimeoutMs,
    });
    ssh = {
      db: deps.db,
      pool,
      defaultUser: config.defaultUser,
      calendar: compileCalendar(deps.config.calendar),
      commandTimeoutMs: config.commandTimeoutMs,
      log,
      now: deps.clock,
      cpuHistory: new CpuHistory(),
    };
    sweeper = new SshSweeper({
      db: deps.db,
      checker: ssh,
      samples: deps.samples,
      log,
      clock: deps.clock,
      pollMs: config.sweepPollMs,
      minIntervalMs: config.minIntervalMs,
      maxInFlight: config.concurrency * 4,
    });
  } else {
    log.info('SSH fallback off: set PROCWATCH_SSH_KEY_FILE or PROCWATCH_SSH_AGENT_SOCK to enable it');
  }
  const manualChecks = new ManualCheckService({
    db: deps.db,
    clock: deps.clock,
    commands: deps.commands,
    samples: deps.samples,
    ssh,
    log: deps.logger.child({ component: 'manual-check' }),
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await sweeper?.drain();
      await pool?.close();
    })();
    return closing;
  };
  deps.signal?.addEventListener('abort', () => void close(), { once: true });
  return { pool, ssh, sweeper, manualChecks, close, [Symbol.asyncDispose]: close };
}

const byDeps = new WeakMap<object, CheckServices>();

/**
 * The services of one collector, made on first use: the route module and the sweep job share
 * them (and so one SSH pool) without another field in the app's dependencies.
 */
export function checkServicesOf(deps: CheckServiceDeps): CheckServices {
  let services = byDeps.get(deps);
  if (!services) {
    services = createCheckServices(deps);
    byDeps.set(deps, services);
  }
  return services;
}

/**
 * The heartbeat watchdog's SSH sweep as a background task: runs until `signal` aborts (a no-op
 * resolving at once when SSH is not configured).
 */
export async function runSshSweep(deps: CheckServiceDeps, signal: AbortSignal): Promise<void> {
  const { sweeper } = checkServicesOf(deps);
  if (sweeper) await sweeper.run(signal);
}
