import type { Kysely } from 'kysely';
import type pg from 'pg';
import { AdminTokenVerifier } from '../auth/admin-token.ts';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter.ts';
import { type CommandBus, DatabaseCommandBus } from '../commands/command-bus.ts';
import { LocalCommandNotifier } from '../commands/command-notifier.ts';
import type { CollectorConfig } from '../config.ts';
import type { Database } from '../db/schema.ts';
import type { CollectorHooks } from '../ingest/hooks.ts';
import { SampleStore } from '../ingest/store-samples.ts';
import type { Logger } from '../logger.ts';

/**
 * Everything a route (and a job) of the collector uses. One object per collector, built by
 * {@link createAppDeps}; tests build it around their own database and clock.
 */
export interface AppDeps {
  readonly db: Kysely<Database>;
  readonly dbKind: 'postgres' | 'pglite';
  readonly logger: Logger;
  /** The time; tests pass a fixed or stepped clock. */
  readonly clock: () => Date;
  readonly config: CollectorConfig;
  /**
   * Called after commits (samples stored, heartbeats). A live object: `startCollector` fills it from
   * the extensions before the server listens, and the sample store reads it at every call.
   */
  readonly hooks: CollectorHooks;
  /** The one path to ProcessStatus (agent ingest and the SSH fallback). */
  readonly samples: SampleStore;
  /** Commands for agents (long-poll), across collectors. */
  readonly commands: CommandBus;
  readonly authFailures: AuthFailureLimiter;
  readonly adminTokens: AdminTokenVerifier;
  /** Aborted when the collector stops: long-polls return, route-owned resources close. */
  readonly signal: AbortSignal;
}

/** What {@link createAppDeps} needs; the rest has defaults. */
export interface AppDepsInput {
  db: Kysely<Database>;
  /** The pg pool behind `db` on PostgreSQL (prepared ingest statements); absent on PGlite. */
  pool?: pg.Pool | undefined;
  dbKind?: 'postgres' | 'pglite';
  logger: Logger;
  config: CollectorConfig;
  clock?: () => Date;
  hooks?: CollectorHooks;
  commands?: CommandBus;
  signal?: AbortSignal;
}

/** Builds the dependencies of the app; the command bus defaults to the table with in-process wake-ups. */
export function createAppDeps(input: AppDepsInput): AppDeps {
  const clock = input.clock ?? (() => new Date());
  const hooks = input.hooks ?? {};
  const logger = input.logger;
  return {
    db: input.db,
    dbKind: input.dbKind ?? 'postgres',
    logger,
    clock,
    config: input.config,
    hooks,
    samples: new SampleStore({
      db: input.db,
      logger: logger.child({ component: 'ingest' }),
      clock,
      hooks,
      retentionDays: input.config.retentionDays,
      pool: input.pool,
    }),
    commands:
      input.commands ??
      new DatabaseCommandBus({
        db: input.db,
        clock,
        logger: logger.child({ component: 'commands' }),
        notifier: new LocalCommandNotifier(),
      }),
    authFailures: new AuthFailureLimiter({
      limit: input.config.authFailureLimit,
      windowMs: input.config.authFailureWindowSeconds * 1000,
    }),
    adminTokens: new AdminTokenVerifier(input.db),
    signal: input.signal ?? new AbortController().signal,
  };
}
