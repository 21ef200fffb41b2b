import { randomInt, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  AGENT_PROTOCOL_VERSION,
  abortableSleep,
  type Heartbeat,
  type Sample,
  SampleBatchResultSchema,
  tradeDay,
} from '@procwatch/shared';
import { Pool } from 'undici';

/** Counters of one simulated agent (or of all, summed). */
export interface LoadCounters {
  requests: number;
  /** Answers that were not the expected 2xx/304, network errors and timeouts. */
  errors: number;
  serverErrors: number;
  samplesSent: number;
  samplesAccepted: number;
  duplicatesAnswered: number;
  /** A few error descriptions, for the failure message. */
  examples: string[];
  /** Round trips of sample batches (agents) or queries (admin), ms. */
  latenciesMs: number[];
}

/** A fresh set of counters. */
export function newCounters(): LoadCounters {
  return {
    requests: 0,
    errors: 0,
    serverErrors: 0,
    samplesSent: 0,
    samplesAccepted: 0,
    duplicatesAnswered: 0,
    examples: [],
    latenciesMs: [],
  };
}

/** Adds `b` into `a`. */
export function addCounters(a: LoadCounters, b: LoadCounters): void {
  a.requests += b.requests;
  a.errors += b.errors;
  a.serverErrors += b.serverErrors;
  a.samplesSent += b.samplesSent;
  a.samplesAccepted += b.samplesAccepted;
  a.duplicatesAnswered += b.duplicatesAnswered;
  for (const e of b.examples) if (a.examples.length < 10) a.examples.push(e);
  for (const ms of b.latenciesMs) a.latenciesMs.push(ms);
}

/** The p-th percentile (0..1) of `values`, rounded to ms; 0 when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);
}

/** Timing of a simulated agent, seconds. */
export interface SimulatedAgentTiming {
  readonly sampleIntervalS: number;
  readonly heartbeatIntervalS: number;
  readonly configRefreshS: number;
}

/**
 * One agent as the collector sees it, without the process: its own keep-alive pool, the config with
 * ETag, gzip sample batches with unique ids and increasing seq numbers on the check interval, heartbeats,
 * and the commands long-poll held open all along — the real agent's wire behaviour, 500 of them in one
 * test process.
 */
export class SimulatedAgent {
  readonly counters = newCounters();
  readonly #pool: Pool;
  readonly #longPoll: Pool;
  #seq = 0;
  #etag: string | null = null;
  readonly #startedAt = new Date().toISOString();

  constructor(
    url: string,
    readonly hostId: number,
    readonly token: string,
    readonly monitorIds: readonly number[],
    readonly timing: SimulatedAgentTiming,
  ) {
    const options = { connections: 1, keepAliveTimeout: 60_000, connectTimeout: 30_000 };
    this.#pool = new Pool(url, { ...options, headersTimeout: 60_000, bodyTimeout: 60_000 });
    this.#longPoll = new Pool(url, { ...options, headersTimeout: 90_000, bodyTimeout: 90_000 });
  }

  #fail(what: string): void {
    this.counters.errors += 1;
    if (this.counters.examples.length < 3) this.counters.examples.push(`host ${this.hostId}: ${what}`);
  }

  async #request(
    pool: Pool,
    method: 'GET' | 'POST',
    path: string,
    expected: readonly number[],
    options: { body?: Buffer; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<{ status: number; text: string; etag?: string } | undefined> {
    this.counters.requests += 1;
    try {
      const response = await pool.request({
        method,
        path,
        headers: { authorization: `Bearer ${this.token}`, ...options.headers },
        body: options.body,
        signal: options.signal,
      });
      const text = await response.body.text();
      if (response.statusCode >= 500) this.counters.serverErrors += 1;
      if (!expected.includes(response.statusCode)) {
        this.#fail(`${method} ${path} → ${response.statusCode} ${text.slice(0, 200)}`);
        return undefined;
      }
      const etag = response.headers.etag;
      return { status: response.statusCode, text, ...(typeof etag === 'string' ? { etag } : {}) };
    } catch (error) {
      if (options.signal?.aborted) return undefined;
      this.#fail(`${method} ${path}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  async #fetchConfig(): Promise<void> {
    const answer = await this.#request(this.#pool, 'GET', '/agent/v1/config', [200, 304], {
      headers: this.#etag ? { 'if-none-match': this.#etag } : {},
    });
    if (answer?.etag) this.#etag = answer.etag;
  }

  #samples(): Sample[] {
    const now = new Date();
    return this.monitorIds.map((id) => ({
      sample_id: randomUUID(),
      seq: ++this.#seq,
      processMonitorId: id,
      status: 'RUNNING',
      pid: 4242,
      cpu_percent: 1.5,
      memory_percent: 0.4,
      memory_used_mb: 64,
      uptime_seconds: 3600,
      start_time: new Date(now.getTime() - 3_600_000).toISOString(),
      trade_day: tradeDay(now),
      checked_at: now.toISOString(),
      check_duration_ms: 3,
      error_message: null,
      process_count: 1,
    }));
  }

  async #pushSamples(): Promise<void> {
    const samples = this.#samples();
    const body = gzipSync(JSON.stringify({ protocol: AGENT_PROTOCOL_VERSION, samples }));
    this.counters.samplesSent += samples.length;
    const started = performance.now();
    const answer = await this.#request(this.#pool, 'POST', '/agent/v1/samples', [200], {
      body,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    if (!answer) return;
    this.counters.latenciesMs.push(performance.now() - started);
    const result = SampleBatchResultSchema.safeParse(JSON.parse(answer.text));
    if (!result.success || result.data.accepted + result.data.duplicates !== samples.length) {
      this.#fail(`odd sample answer ${answer.text.slice(0, 200)}`);
      return;
    }
    this.counters.samplesAccepted += result.data.accepted;
    this.counters.duplicatesAnswered += result.data.duplicates;
  }

  async #heartbeat(): Promise<void> {
    const body: Heartbeat = {
      protocol: AGENT_PROTOCOL_VERSION,
      agent_version: 'simulated-0.0.0',
      started_at: this.#startedAt,
      spool_depth: 0,
      spool_lost: 0,
      last_seq: this.#seq,
    };
    await this.#request(this.#pool, 'POST', '/agent/v1/heartbeat', [200], {
      body: Buffer.from(JSON.stringify(body)),
      headers: { 'content-type': 'application/json' },
    });
  }

  async #pollCommands(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const answer = await this.#request(this.#longPoll, 'GET', '/agent/v1/commands', [200, 204], { signal });
      if (!answer) await abortableSleep(1000, signal);
    }
  }

  /** Runs until `signal` aborts: a random phase first, so 500 agents do not all start at once. */
  async run(signal: AbortSignal): Promise<void> {
    await abortableSleep(randomInt(0, this.timing.sampleIntervalS * 1000), signal);
    if (signal.aborted) return;
    await this.#fetchConfig();
    const poller = this.#pollCommands(signal);
    let nextSample = Date.now();
    let nextHeartbeat = Date.now();
    let nextConfig = Date.now() + this.timing.configRefreshS * 1000;
    while (!signal.aborted) {
      const now = Date.now();
      if (now >= nextHeartbeat) {
        nextHeartbeat = now + this.timing.heartbeatIntervalS * 1000;
        await this.#heartbeat();
      }
      if (now >= nextSample) {
        nextSample += this.timing.sampleIntervalS * 1000;
        await this.#pushSamples();
      }
      if (now >= nextConfig) {
        nextConfig = now + this.timing.configRefreshS * 1000;
        await this.#fetchConfig();
      }
      await abortableSleep(Math.max(0, Math.min(nextSample, nextHeartbeat, nextConfig) - Date.now()), signal);
    }
    await poller;
  }

  async close(): Promise<void> {
    await Promise.all([this.#pool.close(), this.#longPoll.destroy()]).catch(() => {});
  }
}
