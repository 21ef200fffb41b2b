import type { Heartbeat } from '@procwatch/shared';
import type { Logger } from '../logger.ts';
import type { StoredSampleInfo } from './stored-sample.ts';

/** A heartbeat as stored, handed to {@link CollectorHooks.onHeartbeat}. */
export interface HeartbeatInfo {
  readonly hostServerId: number;
  /** The collector's clock when the heartbeat was stored (= HostServer.last_heartbeat_at). */
  readonly at: Date;
  readonly heartbeat: Heartbeat;
}

/**
 * Extension points called after the data is committed. Both run inline (awaited) before the
 * response is sent, so keep them short: database work is fine, network calls belong in a queue.
 * An error they throw is logged and never fails the request.
 */
export interface CollectorHooks {
  /**
   * New ProcessStatus rows of one batch (agent or SSH), duplicates excluded, in checked_at order.
   * The warning engine plugs in here.
   */
  onSamplesStored?: (stored: readonly StoredSampleInfo[]) => Promise<void>;
  /** A heartbeat was stored (agents back online, metrics). */
  onHeartbeat?: (info: HeartbeatInfo) => Promise<void>;
}

/** One set of hooks calling each of `list` in order; one failing does not stop the others. */
export function combineHooks(list: readonly (CollectorHooks | undefined)[], logger: Logger): CollectorHooks {
  const present = list.filter((h): h is CollectorHooks => h !== undefined);
  const samples = present.flatMap((h) => (h.onSamplesStored ? [h.onSamplesStored] : []));
  const heartbeats = present.flatMap((h) => (h.onHeartbeat ? [h.onHeartbeat] : []));
  const combined: CollectorHooks = {};
  if (samples.length > 0) {
    combined.onSamplesStored = async (stored) => {
      for (const fn of samples) await runHook(logger, 'onSamplesStored', () => fn(stored));
    };
  }
  if (heartbeats.length > 0) {
    combined.onHeartbeat = async (info) => {
      for (const fn of heartbeats) await runHook(logger, 'onHeartbeat', () => fn(info));
    };
  }
  return combined;
}

/** Runs a hook, logging (never rethrowing) what it throws. */
export async function runHook(logger: Logger, name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    logger.error({ hook: name, err: error }, 'hook failed');
  }
}
