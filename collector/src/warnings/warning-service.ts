import { type CompiledCalendar, errorMessage, runLoop } from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { CollectorHooks } from '../ingest/hooks.ts';
import type { Logger } from '../logger.ts';
import { createNotifier, type Notifier, type NotifierSettings } from '../notify/notifier.ts';
import { createWarningEngine, type WarningEngine } from './engine.ts';
import { runReminders } from './reminders.ts';
import type { WarningSettings } from './settings.ts';
import { engineDb } from './tables.ts';

/** How often the timer loops look, ms. */
export interface WarningLoopIntervals {
  /** Session windows opening/closing and mutes ending: the catch-up latency. */
  scheduleMs: number;
  /** Heartbeat timeouts (AGENT_OFFLINE). */
  agentOfflineMs: number;
  reminderMs: number;
}

/** Defaults of {@link WarningLoopIntervals}. */
export const DEFAULT_WARNING_INTERVALS: WarningLoopIntervals = Object.freeze({
  scheduleMs: 5_000,
  agentOfflineMs: 5_000,
  reminderMs: 60_000,
});

/** A background loop of the collector: runs until `signal` aborts, then resolves. */
export interface BackgroundLoop {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

/** The warning engine, its notifier, the ingest hooks and the timer loops, ready to plug into a collector. */
export interface WarningService extends AsyncDisposable {
  readonly engine: WarningEngine;
  readonly notifier: Notifier;
  /** onSamplesStored → the rules; onHeartbeat → AGENT_OFFLINE resolves at once. */
  readonly hooks: CollectorHooks;
  /** Notification delivery, window catch-up, agent offline, reminders. */
  readonly loops: readonly BackgroundLoop[];
  close(): Promise<void>;
}

/** Options of {@link createWarningService}. */
export interface WarningServiceOptions {
  db: Kysely<Database>;
  logger: Logger;
  calendar: CompiledCalendar;
  settings: WarningSettings;
  notifier?: Partial<NotifierSettings>;
  intervals?: Partial<WarningLoopIntervals>;
  clock?: () => Date;
}

/**
 * Wires the engine for a collector. Every loop is safe on several collectors at once: the rules lock per
 * monitor, the upsert dedups, deliveries and reminders are claimed with SKIP LOCKED.
 */
export function createWarningService(options: WarningServiceOptions): WarningService {
  const clock = options.clock ?? (() => new Date());
  const log = options.logger.child({ component: 'warnings' });
  const intervals = { ...DEFAULT_WARNING_INTERVALS, ...options.intervals };
  const notifier = createNotifier({
    db: options.db,
    log: options.logger.child({ component: 'notify' }),
    clock,
    ...(options.notifier ? { settings: options.notifier } : {}),
  });
  const engine = createWarningEngine({
    db: options.db,
    log,
    calendar: options.calendar,
    settings: options.settings,
    clock,
    onNotificationsQueued: () => notifier.wake(),
  });

  const hooks: CollectorHooks = {
    onSamplesStored: async (stored) => {
      await engine.evaluateSamples(stored);
    },
    onHeartbeat: async (info) => {
      await engine.heartbeatReceived(info.hostServerId, info.at);
    },
  };

  function timer(name: string, intervalMs: number, body: (now: Date) => Promise<unknown>): BackgroundLoop {
    return {
      name,
      run: (signal) =>
        runLoop(() => body(clock()), {
          signal,
          intervalMs,
          jitterFraction: 0.1,
          backoffBaseMs: Math.min(intervalMs, 5_000),
          backoffMaxMs: 60_000,
          onError: (error, attempt) =>
            log.warn({ loop: name, err: errorMessage(error), attempt }, 'loop failed'),
        }),
    };
  }

  const loops: BackgroundLoop[] = [
    { name: 'notification-delivery', run: (signal) => notifier.run(signal) },
    timer('warning-schedule', intervals.scheduleMs, (now) => engine.runScheduleCheck(now)),
    timer('agent-offline', intervals.agentOfflineMs, (now) => engine.runAgentOfflineCheck(now)),
    timer('warning-reminders', intervals.reminderMs, async (now) => {
      const summary = await runReminders(engineDb(options.db), options.settings, now);
      if (summary.deliveries > 0) notifier.wake();
      return summary;
    }),
  ];

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= notifier.close();
    return closing;
  };
  return { engine, notifier, hooks, loops, close, [Symbol.asyncDispose]: close };
}
