import {
  AGENT_PROTOCOL_VERSION,
  type AgentSettings,
  errorMessage,
  type Heartbeat,
  runLoop,
} from '@procwatch/shared';
import type { Logger } from 'pino';
import type { Spool } from '../spool/spool.ts';
import { AGENT_VERSION } from '../version.ts';
import { type CollectorClient, describeResponse } from './collector-client.ts';

/** The heartbeat body for the spool's current state. */
export function heartbeatBody(spool: Spool, startedAt: Date): Heartbeat {
  const stats = spool.stats;
  return {
    protocol: AGENT_PROTOCOL_VERSION,
    agent_version: AGENT_VERSION,
    started_at: startedAt.toISOString(),
    spool_depth: stats.depth,
    spool_lost: stats.lost,
    last_seq: stats.lastSeq,
  };
}

/**
 * Posts a heartbeat every `heartbeat_interval_s` (15 s by default), with or without samples to
 * send, so the collector can tell a quiet host from a dead agent. Also ages the spool out.
 * `onSuccess` is called after every accepted heartbeat (the collector is reachable).
 */
export function runHeartbeat(options: {
  client: CollectorClient;
  spool: Spool;
  startedAt: Date;
  settings: () => AgentSettings;
  log: Logger;
  signal: AbortSignal;
  onSuccess?: () => void;
}): Promise<void> {
  const { client, spool, log } = options;
  let failing = false;
  return runLoop(
    async (signal) => {
      spool.maintain();
      const response = await client.request({
        method: 'POST',
        path: '/agent/v1/heartbeat',
        json: heartbeatBody(spool, options.startedAt),
        signal,
      });
      if (response.status < 200 || response.status >= 300) {
        throw new Error(`heartbeat refused: ${describeResponse(response)}`);
      }
      if (failing) log.info('heartbeat accepted again');
      failing = false;
      options.onSuccess?.();
    },
    {
      signal: options.signal,
      intervalMs: () => options.settings().heartbeat_interval_s * 1000,
      backoffBaseMs: 1000,
      backoffMaxMs: options.settings().heartbeat_interval_s * 1000,
      onError: (error, attempt) => {
        if (!failing || attempt % 20 === 0)
          log.warn({ error: errorMessage(error), attempt }, 'heartbeat failed');
        failing = true;
      },
    },
  );
}
