import {
  AGENT_PROTOCOL_VERSION,
  type AgentSettings,
  errorMessage,
  RetryNow,
  runLoop,
  type Sample,
  SampleBatchResultSchema,
} from '@procwatch/shared';
import type { Logger } from 'pino';
import type { Spool } from '../spool/spool.ts';
import { Wakeup } from '../util/wakeup.ts';
import {
  type CollectorClient,
  type CollectorResponse,
  describeResponse,
  responseJson,
} from './collector-client.ts';

/** Counters of the pusher. */
export interface PushStats {
  sentBatches: number;
  sentSamples: number;
  duplicates: number;
  /** Samples a collector refused as invalid (4xx), dropped after isolating them. */
  rejected: number;
  failures: number;
}

/** Statuses that mean "this batch will never be accepted as it is": isolate the bad sample and drop it. */
function isRejection(status: number): boolean {
  return (
    status === 400 || status === 403 || status === 404 || status === 409 || status === 413 || status === 422
  );
}

/**
 * Sends spooled samples to the collector in seq order, in batches bounded by count and time
 * (`batch_max_samples`, `batch_max_delay_ms`; an urgent notify sends at once), gzipped, and
 * acknowledges them in the spool on success. Failures back off exponentially with jitter (runLoop),
 * cut short by {@link Pusher.retryNow}; the same batch is resent, which the collector's idempotent
 * ingest turns into no duplicate. A batch refused with 4xx is bisected until the refused sample is
 * found; it alone is dropped and logged.
 */
export class Pusher {
  readonly #spool: Spool;
  readonly #client: CollectorClient;
  readonly #log: Logger;
  readonly #settings: () => AgentSettings;
  readonly #wakeup = new Wakeup();
  readonly #retryNow = new RetryNow();
  #urgent = true;
  #pendingSinceMs: number | null = null;
  #unavailable = false;
  readonly stats: PushStats = { sentBatches: 0, sentSamples: 0, duplicates: 0, rejected: 0, failures: 0 };

  constructor(options: {
    spool: Spool;
    client: CollectorClient;
    log: Logger;
    settings: () => AgentSettings;
  }) {
    this.#spool = options.spool;
    this.#client = options.client;
    this.#log = options.log;
    this.#settings = options.settings;
  }

  /** New samples are in the spool; `urgent` sends them without waiting for the batch delay. */
  notify(urgent: boolean): void {
    this.#pendingSinceMs ??= Date.now();
    if (urgent) this.#urgent = true;
    this.#wakeup.notify();
  }

  /**
   * Another request to the collector just succeeded: if pushes are failing, try again now instead
   * of sleeping out a backoff of up to 30 s. At most one extra attempt per call (runLoop's RetryNow),
   * so a collector that takes heartbeats but still refuses samples is not hammered.
   */
  retryNow(): void {
    this.#retryNow.retry();
  }

  /** Runs until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return runLoop(
      async (s) => {
        if (!(await this.#waitForWork(s))) return;
        await this.#pushOnce(s);
      },
      {
        signal,
        intervalMs: 0,
        backoffBaseMs: 500,
        backoffMaxMs: 30_000,
        retryNow: this.#retryNow,
        onError: (error, attempt) => {
          this.stats.failures += 1;
          if (!this.#unavailable || attempt % 20 === 0) {
            this.#log.warn(
              { error: errorMessage(error), attempt, depth: this.#spool.stats.depth },
              'push failed; will retry',
            );
          }
          this.#unavailable = true;
        },
      },
    );
  }

  async #waitForWork(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal.aborted) return false;
      const { depth } = this.#spool.stats;
      const { batch_max_samples, batch_max_delay_ms } = this.#settings();
      if (depth === 0) {
        this.#pendingSinceMs = null;
        this.#urgent = false;
        await this.#wakeup.wait(60_000, signal);
        continue;
      }
      if (this.#pendingSinceMs === null) this.#pendingSinceMs = Date.now();
      const waited = Date.now() - this.#pendingSinceMs;
      if (this.#urgent || depth >= batch_max_samples || waited >= batch_max_delay_ms) return true;
      await this.#wakeup.wait(batch_max_delay_ms - waited, signal);
    }
  }

  /** Sends one batch (the oldest unacknowledged samples). Returns how many were acknowledged. */
  async #pushOnce(signal: AbortSignal): Promise<number> {
    const { batch_max_samples } = this.#settings();
    const batch = this.#spool.readAfter(this.#spool.stats.ackedSeq, batch_max_samples);
    if (batch.length === 0) {
      // Nothing readable despite depth > 0: the rest was corrupt and skipped; acknowledge through it.
      this.#spool.ack(this.#spool.stats.lastSeq);
      return 0;
    }
    this.#urgent = false;
    await this.#send(batch, signal);
    if (this.#unavailable) {
      this.#unavailable = false;
      this.#log.info(
        { url: this.#client.currentUrl, depth: this.#spool.stats.depth },
        'collector reachable again',
      );
    }
    if (this.#spool.stats.depth === 0) this.#pendingSinceMs = null;
    else this.#pendingSinceMs = 0; // backlog: keep sending without waiting for the batch delay
    return batch.length;
  }

  async #send(samples: Sample[], signal: AbortSignal): Promise<void> {
    const last = samples[samples.length - 1];
    if (!last) return;
    const response = await this.#client.request({
      method: 'POST',
      path: '/agent/v1/samples',
      json: { protocol: AGENT_PROTOCOL_VERSION, samples },
      gzip: true,
      signal,
    });
    if (response.status >= 200 && response.status < 300) {
      this.#accepted(samples, response);
      this.#spool.ack(last.seq);
      return;
    }
    if (response.status === 401)
      throw new Error(`collector refused the agent token: ${describeResponse(response)}`);
    if (!isRejection(response.status)) throw new Error(`collector answered ${describeResponse(response)}`);
    if (samples.length === 1) {
      this.stats.rejected += 1;
      this.#log.error(
        {
          sample_id: last.sample_id,
          seq: last.seq,
          processMonitorId: last.processMonitorId,
          answer: describeResponse(response),
        },
        'collector refused a sample; dropped it',
      );
      this.#spool.ack(last.seq);
      return;
    }
    const half = Math.ceil(samples.length / 2);
    await this.#send(samples.slice(0, half), signal);
    await this.#send(samples.slice(half), signal);
  }

  #accepted(samples: Sample[], response: CollectorResponse): void {
    this.stats.sentBatches += 1;
    this.stats.sentSamples += samples.length;
    try {
      const result = SampleBatchResultSchema.safeParse(responseJson(response));
      if (result.success) this.stats.duplicates += result.data.duplicates;
    } catch {
      // The samples were accepted (2xx); an odd body changes nothing.
    }
    this.#log.debug({ samples: samples.length, lastSeq: samples[samples.length - 1]?.seq }, 'samples pushed');
  }

  /** Tries to push what is left, until the spool is empty or `signal` aborts (shutdown). */
  async flush(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && this.#spool.stats.depth > 0) {
      try {
        if ((await this.#pushOnce(signal)) === 0) return;
      } catch {
        return;
      }
    }
  }
}
