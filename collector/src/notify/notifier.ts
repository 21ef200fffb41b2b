import {
  backoffDelay,
  errorMessage,
  NOTIFICATION_CHANNEL_KINDS,
  type NotificationChannelKind,
  runLoop,
} from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { engineDb } from '../warnings/tables.ts';
import { type ClaimedDelivery, claimDueDeliveries, recordAttempt } from './delivery-queue.ts';
import { createHttpSender, type HttpSender } from './http-sender.ts';
import { WarningNoticeSchema } from './notice.ts';
import { buildRequest, type ChannelTarget } from './request-builders.ts';
import { judgeResponse } from './response-outcome.ts';

/** Tuning of the delivery loop; the defaults suit a few channels and bursts of warnings. */
export interface NotifierSettings {
  /** Deliveries claimed per round. */
  batchSize: number;
  /** How long a claimed delivery stays ours; well above the HTTP timeout. */
  leaseMs: number;
  /** Attempts before a delivery is given up as FAILED. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Idle poll for deliveries queued by other collectors and retries coming due; local ones wake the loop. */
  pollMs: number;
  /** Per-request timeout. */
  timeoutMs: number;
}

/** Defaults of {@link NotifierSettings}. */
export const DEFAULT_NOTIFIER_SETTINGS: NotifierSettings = Object.freeze({
  batchSize: 50,
  leaseMs: 60_000,
  maxAttempts: 8,
  backoffBaseMs: 2_000,
  backoffMaxMs: 10 * 60_000,
  pollMs: 2_000,
  timeoutMs: 10_000,
});

/** What one round did. */
export interface DeliverySummary {
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
}

/** The notification sender: drains the delivery queue over HTTP, with retries, recording every attempt. */
export interface Notifier extends AsyncDisposable {
  /** Something was queued: deliver now instead of at the next poll. */
  wake(): void;
  /** One round: claim what is due at `now`, send, record. */
  deliverDue(now?: Date): Promise<DeliverySummary>;
  /** Attempts one delivery at once (a channel test); returns false if it was not due or not pending. */
  deliverOne(id: number, now?: Date): Promise<boolean>;
  /** Rounds until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

const KINDS = new Set<string>(NOTIFICATION_CHANNEL_KINDS);

/** Creates the notifier; `sender` defaults to an undici sender with `timeoutMs`. */
export function createNotifier(options: {
  db: Kysely<Database>;
  log: Logger;
  settings?: Partial<NotifierSettings>;
  sender?: HttpSender;
  clock?: () => Date;
}): Notifier {
  const db = engineDb(options.db);
  const log = options.log;
  const settings: NotifierSettings = { ...DEFAULT_NOTIFIER_SETTINGS, ...options.settings };
  const clock = options.clock ?? (() => new Date());
  const sender = options.sender ?? createHttpSender({ timeoutMs: settings.timeoutMs });
  const ownsSender = options.sender === undefined;
  let woken = false;
  let wakeWaiter: (() => void) | undefined;

  function wake() {
    woken = true;
    wakeWaiter?.();
  }

  function waitForWake(ms: number, signal: AbortSignal): Promise<void> {
    if (woken || signal.aborted) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wakeWaiter = undefined;
        woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      wakeWaiter = done;
    });
  }

  async function loadChannels(
    ids: readonly number[],
  ): Promise<Map<number, ChannelTarget & { enabled: boolean }>> {
    if (ids.length === 0) return new Map();
    const rows = await db
      .selectFrom('NotificationChannel')
      .select(['id', 'name', 'kind', 'url', 'secret', 'enabled'])
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return new Map(
      rows
        .filter((r) => KINDS.has(r.kind))
        .map((r) => [r.id, { ...r, kind: r.kind as NotificationChannelKind }]),
    );
  }

  async function attempt(
    delivery: ClaimedDelivery,
    channel: (ChannelTarget & { enabled: boolean }) | undefined,
    summary: DeliverySummary,
    signal: AbortSignal | undefined,
  ) {
    const startedAt = clock();
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let retry = false;
    const notice = WarningNoticeSchema.safeParse(delivery.payload);
    if (channel === undefined) {
      error = 'the channel no longer exists';
    } else if (!channel.enabled && delivery.event !== 'test') {
      error = 'the channel is disabled';
    } else if (!notice.success) {
      error = 'the queued message is not a valid notice';
    } else {
      try {
        const request = buildRequest(channel, notice.data, { deliveryId: delivery.id, now: startedAt });
        const answer = await sender.post(request, signal ? { signal } : {});
        statusCode = answer.statusCode;
        const outcome = judgeResponse(channel.kind, answer.statusCode, answer.body);
        if (!outcome.ok) {
          error = outcome.error;
          retry = outcome.retry;
        }
      } catch (thrown) {
        error = errorMessage(thrown);
        retry = true;
      }
    }
    const durationMs = performance.now() - started;
    const finished = new Date(startedAt.getTime() + durationMs);
    let next: { status: 'DELIVERED' } | { status: 'FAILED' } | { status: 'PENDING'; retryAt: Date };
    if (error === null) {
      next = { status: 'DELIVERED' };
      summary.delivered += 1;
    } else if (retry && delivery.event !== 'test' && delivery.attempts < settings.maxAttempts) {
      // A test is answered by its first attempt; retrying it later would only confuse whoever is watching.
      const delay = Math.max(
        settings.backoffBaseMs / 2,
        backoffDelay(delivery.attempts - 1, settings.backoffBaseMs, settings.backoffMaxMs),
      );
      next = { status: 'PENDING', retryAt: new Date(finished.getTime() + delay) };
      summary.retrying += 1;
    } else {
      next = { status: 'FAILED' };
      summary.failed += 1;
    }
    if (error !== null) {
      log.warn(
        {
          deliveryId: delivery.id,
          channelId: delivery.channelId,
          attempt: delivery.attempts,
          statusCode,
          err: error,
        },
        next.status === 'FAILED' ? 'notification failed; giving up' : 'notification failed; will retry',
      );
    }
    await recordAttempt(db, { delivery, startedAt, durationMs, statusCode, error, next });
  }

  // Channels this process is sending to right now: each channel has at most one worker here, which keeps its
  // messages in order, and a channel that hangs occupies only its own worker, never the next round.
  const inflight = new Map<number, Promise<void>>();

  async function dispatch(
    now: Date,
    id?: number,
  ): Promise<{ summary: DeliverySummary; started: Promise<void>[] }> {
    const claimed = await claimDueDeliveries(db, {
      now,
      limit: id === undefined ? settings.batchSize : 1,
      leaseMs: settings.leaseMs,
      ...(id === undefined ? {} : { id }),
      skipChannels: [...inflight.keys()],
    });
    const summary: DeliverySummary = { claimed: claimed.length, delivered: 0, retrying: 0, failed: 0 };
    if (claimed.length === 0) return { summary, started: [] };
    const channels = await loadChannels(claimed.map((d) => d.channelId));
    const perChannel = new Map<number, ClaimedDelivery[]>();
    for (const d of claimed) perChannel.set(d.channelId, [...(perChannel.get(d.channelId) ?? []), d]);
    const started: Promise<void>[] = [];
    for (const [channelId, list] of perChannel) {
      const work = (async () => {
        for (const delivery of list) await attempt(delivery, channels.get(channelId), summary, stopSignal);
      })()
        .catch((error: unknown) =>
          log.error({ err: errorMessage(error), channelId }, 'notification worker failed'),
        )
        .finally(() => {
          inflight.delete(channelId);
          // The channel is free again: its next message may be waiting.
          wake();
        });
      inflight.set(channelId, work);
      started.push(work);
    }
    return { summary, started };
  }

  async function deliverDue(now = clock()): Promise<DeliverySummary> {
    const { summary, started } = await dispatch(now);
    await Promise.all(started);
    return summary;
  }

  async function deliverOne(id: number, now = clock()): Promise<boolean> {
    const { summary, started } = await dispatch(now, id);
    await Promise.all(started);
    return summary.claimed > 0;
  }

  let stopSignal: AbortSignal | undefined;

  async function run(signal: AbortSignal): Promise<void> {
    stopSignal = signal;
    await runLoop(
      async () => {
        const { summary } = await dispatch(clock());
        // A full batch means more is waiting: go again at once.
        if (summary.claimed < settings.batchSize) await waitForWake(settings.pollMs, signal);
        return summary;
      },
      {
        signal,
        intervalMs: 0,
        backoffBaseMs: 1_000,
        backoffMaxMs: 30_000,
        onError: (error, n) =>
          log.warn({ err: errorMessage(error), attempt: n }, 'notification round failed'),
      },
    );
    // Drain: requests in flight finish (or hit their timeout) and their outcome is recorded.
    await Promise.all(inflight.values());
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= ownsSender ? sender.close() : Promise.resolve();
    return closing;
  };
  return { wake, deliverDue, deliverOne, run, close, [Symbol.asyncDispose]: close };
}
