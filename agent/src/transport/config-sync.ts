import { type AgentConfig, AgentConfigSchema, errorMessage, runLoop } from '@procwatch/shared';
import type { Logger } from 'pino';
import { describeIssues } from '../config.ts';
import { type CollectorClient, describeResponse, responseJson } from './collector-client.ts';
import { writeConfigCache } from './config-cache.ts';

/** Result of one config fetch. */
export type ConfigFetch =
  | { kind: 'changed'; config: AgentConfig; etag: string | null }
  | { kind: 'unchanged' };

/**
 * Fetches `GET /agent/v1/config` with `If-None-Match`; a new config is validated, cached on disk and
 * handed to `onConfig`. A failure keeps the current (or cached) config: monitoring goes on.
 * `onSuccess` is called after every successful fetch, changed or not (the collector is reachable).
 */
export class ConfigSync {
  readonly #client: CollectorClient;
  readonly #cachePath: string;
  readonly #log: Logger;
  readonly #onConfig: (config: AgentConfig) => void;
  readonly #onSuccess: () => void;
  #etag: string | null;

  constructor(options: {
    client: CollectorClient;
    cachePath: string;
    log: Logger;
    etag: string | null;
    onConfig: (config: AgentConfig) => void;
    onSuccess?: () => void;
  }) {
    this.#client = options.client;
    this.#cachePath = options.cachePath;
    this.#log = options.log;
    this.#etag = options.etag;
    this.#onConfig = options.onConfig;
    this.#onSuccess = options.onSuccess ?? (() => {});
  }

  /** Fetches once. Throws when no collector answers or the answer is unusable. */
  async refresh(signal?: AbortSignal): Promise<ConfigFetch> {
    const response = await this.#client.request({
      method: 'GET',
      path: '/agent/v1/config',
      headers: this.#etag ? { 'if-none-match': this.#etag } : {},
      signal,
    });
    if (response.status === 304) {
      this.#onSuccess();
      return { kind: 'unchanged' };
    }
    if (response.status !== 200) throw new Error(`config fetch refused: ${describeResponse(response)}`);
    const raw = responseJson(response);
    const parsed = AgentConfigSchema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(
        `config from ${response.url} is invalid: ${describeIssues('config', parsed.error, raw)}`,
      );
    }
    const etagHeader = response.headers.etag;
    const etag = typeof etagHeader === 'string' ? etagHeader : null;
    try {
      writeConfigCache(this.#cachePath, parsed.data, etag);
    } catch (error) {
      this.#log.error({ error: errorMessage(error), path: this.#cachePath }, 'cannot write the config cache');
    }
    this.#etag = etag;
    this.#onConfig(parsed.data);
    this.#onSuccess();
    return { kind: 'changed', config: parsed.data, etag };
  }

  /** Refreshes every `intervalMs()` until `signal` aborts; failures back off and keep the current config. */
  run(signal: AbortSignal, intervalMs: () => number, immediate: boolean): Promise<void> {
    let failing = false;
    return runLoop(
      async (s) => {
        await this.refresh(s);
        if (failing) this.#log.info('config fetch works again');
        failing = false;
      },
      {
        signal,
        intervalMs,
        immediate,
        jitterFraction: 0.1,
        backoffBaseMs: 1000,
        backoffMaxMs: 60_000,
        onError: (error, attempt) => {
          if (!failing || attempt % 20 === 0) {
            this.#log.warn(
              { error: errorMessage(error), attempt },
              'config fetch failed; keeping the current config',
            );
          }
          failing = true;
        },
      },
    );
  }
}
