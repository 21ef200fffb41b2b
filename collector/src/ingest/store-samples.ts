import type { Sample, SampleSource } from '@procwatch/shared';
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import type { CollectorHooks } from './hooks.ts';
import { runHook } from './hooks.ts';
import { type InsertedRow, runIngestStatement, type SampleColumns } from './ingest-statement.ts';
import { isMissingPartitionError, PartitionCache } from './partition-cache.ts';
import { pgArray } from './pg-array.ts';
import type { StoredSampleInfo } from './stored-sample.ts';

const DAY_MS = 86_400_000;
/** A sample dated further ahead than this comes from a broken clock: refused, never stored. */
export const MAX_FUTURE_SKEW_MS = DAY_MS;

/** A sample to store: the wire sample; `seq` is absent for the SSH fallback's samples. */
export type SampleInput = Omit<Sample, 'seq'> & { seq?: number | null };

/** Who sent a batch. */
export interface StoreOptions {
  /** The host the samples come from; every sample's monitor must belong to it. */
  readonly hostServerId: number;
  /** AGENT also counts as a sign of life of the host's agent (last_heartbeat_at). */
  readonly source: SampleSource;
  /** Set false when only the counts matter (agent ingest): rows are then read back only for hooks. */
  readonly returnRows?: boolean;
}

/** What a batch did. */
export interface StoreResult {
  /** Rows added. */
  readonly accepted: number;
  /** Samples already stored (same sample_id and checked_at): retries and replays. */
  readonly duplicates: number;
  /** Samples older than the retention window: not stored (retention would drop them at once). */
  readonly expired: number;
  /** The rows added, in checked_at order (empty with `returnRows: false` and no onSamplesStored hook). */
  readonly stored: readonly StoredSampleInfo[];
}

/** Some samples name monitors of another host (or none): the batch is refused whole. */
export class ForeignMonitorError extends Error {
  override name = 'ForeignMonitorError';
  constructor(readonly monitorIds: readonly number[]) {
    super(`monitors ${monitorIds.join(', ')} do not belong to this host`);
  }
}

/** Some samples are dated in the future beyond {@link MAX_FUTURE_SKEW_MS}: the batch is refused whole. */
export class FutureSampleError extends Error {
  override name = 'FutureSampleError';
  constructor(readonly indexes: readonly number[]) {
    super('samples are dated in the future');
  }
}

/** What the store needs. `hooks` is read at every call, so hooks added after construction count. */
export interface SampleStoreDeps {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly hooks: CollectorHooks;
  /** Days of history kept; older samples are counted as expired. */
  readonly retentionDays: number;
  /** The pg pool on PostgreSQL: the ingest statement then runs as a named (prepared) statement. */
  readonly pool?: pg.Pool | undefined;
}

/**
 * Stores samples idempotently: the one path from a check result to ProcessStatus, used by agent
 * ingest and the SSH fallback alike, so that both reach the warning engine the same way.
 * One statement per batch (see runIngestStatement): history rows (`unnest`, on conflict do nothing),
 * the current-status row of each monitor (only ever moving forward in checked_at), and the agent's
 * heartbeat, all or nothing. Hooks run after it committed.
 */
export class SampleStore {
  readonly #partitions: PartitionCache;

  constructor(private readonly deps: SampleStoreDeps) {
    this.#partitions = new PartitionCache(deps.db);
  }

  async store(samples: readonly SampleInput[], options: StoreOptions): Promise<StoreResult> {
    const now = this.deps.clock();
    const latestAllowed = now.getTime() + MAX_FUTURE_SKEW_MS;
    const oldest = now.getTime() - this.deps.retentionDays * DAY_MS;
    const columns = emptyColumns();
    const days = new Set<string>();
    const future: number[] = [];
    let fresh = 0;
    samples.forEach((s, index) => {
      const checkedAt = Date.parse(s.checked_at);
      if (checkedAt > latestAllowed) future.push(index);
      if (checkedAt < oldest || future.length > 0) return;
      const checkedIso = canonicalInstant(s.checked_at, checkedAt);
      days.add(`${checkedIso.slice(0, 4)}${checkedIso.slice(5, 7)}${checkedIso.slice(8, 10)}`);
      fresh += 1;
      columns.processMonitorId.push(s.processMonitorId);
      columns.status.push(s.status);
      columns.pid.push(s.pid);
      columns.cpu_percent.push(s.cpu_percent);
      columns.memory_percent.push(s.memory_percent);
      columns.memory_used_mb.push(s.memory_used_mb);
      columns.uptime_seconds.push(s.uptime_seconds);
      columns.start_time.push(
        s.start_time === null ? null : canonicalInstant(s.start_time, Date.parse(s.start_time)),
      );
      columns.trade_day.push(s.trade_day);
      columns.checked_at.push(checkedIso);
      columns.check_duration_ms.push(s.check_duration_ms);
      columns.error_message.push(s.error_message);
      columns.sample_id.push(s.sample_id);
      columns.seq.push(s.seq ?? null);
      columns.process_count.push(s.process_count);
      columns.matches.push(s.matches === undefined ? null : JSON.stringify(s.matches));
    });
    if (future.length > 0) throw new FutureSampleError(future);
    const expired = samples.length - fresh;

    if (fresh === 0) {
      await this.#checkOwnership(samples, options.hostServerId);
      if (options.source === 'AGENT') await this.#touchHeartbeat(this.deps.db, options.hostServerId, now);
      return { accepted: 0, duplicates: 0, expired, stored: [] };
    }
    // A day this collector has not seen yet means DDL: refuse a foreign batch before that, too.
    if (!this.#partitions.knows(days)) await this.#checkOwnership(samples, options.hostServerId);

    const hook = this.deps.hooks.onSamplesStored;
    let result: { accepted: number; rows: InsertedRow[] };
    for (let attempt = 0; ; attempt += 1) {
      await this.#partitions.ensure(days);
      try {
        result = await runIngestStatement(
          this.deps.db,
          columns,
          options.hostServerId,
          options.source,
          now,
          hook !== undefined || options.returnRows !== false,
          this.deps.pool,
        );
        break;
      } catch (error) {
        if (attempt > 0 || !isMissingPartitionError(error)) throw error;
        // Retention dropped a day we remembered: look again, once.
        this.#partitions.forget();
      }
    }
    // Nothing new: every sample was a duplicate, or the batch names a foreign monitor (nothing written).
    if (result.accepted === 0) await this.#checkOwnership(samples, options.hostServerId);

    const stored = result.rows.map((row) => ({ ...row, hostServerId: options.hostServerId }));
    if (hook && stored.length > 0) await runHook(this.deps.logger, 'onSamplesStored', () => hook(stored));
    return { accepted: result.accepted, duplicates: fresh - result.accepted, expired, stored };
  }

  async #checkOwnership(samples: readonly SampleInput[], hostServerId: number): Promise<void> {
    const ids = [...new Set(samples.map((s) => s.processMonitorId))];
    const owned = await sql<{ id: number }>`
      SELECT id FROM "ProcessMonitor"
      WHERE id = ANY(${pgArray(ids)}::int4[]) AND "hostServerId" = ${hostServerId}`.execute(this.deps.db);
    if (owned.rows.length === ids.length) return;
    const mine = new Set(owned.rows.map((r) => r.id));
    throw new ForeignMonitorError(ids.filter((id) => !mine.has(id)).sort((a, b) => a - b));
  }

  async #touchHeartbeat(db: Kysely<Database>, hostServerId: number, now: Date): Promise<void> {
    await db
      .updateTable('HostServer')
      .set({ last_heartbeat_at: now })
      .where('id', '=', hostServerId)
      .execute();
  }
}

const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * An instant as `toISOString` writes it, cut to milliseconds as the columns store them (PostgreSQL
 * would round 23:59:59.9996 up into the next day, past the partition chosen for it). Agents send
 * this form already: then the text is used as it is.
 */
function canonicalInstant(text: string, ms: number): string {
  return CANONICAL_INSTANT.test(text) ? text : new Date(ms).toISOString();
}

function emptyColumns(): SampleColumns {
  return {
    processMonitorId: [],
    status: [],
    pid: [],
    cpu_percent: [],
    memory_percent: [],
    memory_used_mb: [],
    uptime_seconds: [],
    start_time: [],
    trade_day: [],
    checked_at: [],
    check_duration_ms: [],
    error_message: [],
    sample_id: [],
    seq: [],
    process_count: [],
    matches: [],
  };
}
