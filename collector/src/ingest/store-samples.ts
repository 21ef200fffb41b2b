import type { Sample, SampleSource } from '@procwatch/shared';
import { type Kysely, sql, type Transaction } from 'kysely';
import { partitionDay } from '../db/partitions.ts';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { currentStatusCandidates } from './current-status.ts';
import type { CollectorHooks } from './hooks.ts';
import { runHook } from './hooks.ts';
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
}

/** What a batch did. */
export interface StoreResult {
  /** Rows added. */
  readonly accepted: number;
  /** Samples already stored (same sample_id and checked_at): retries and replays. */
  readonly duplicates: number;
  /** Samples older than the retention window: not stored (retention would drop them at once). */
  readonly expired: number;
  /** The rows added, in checked_at order. */
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
}

interface InsertedRow extends Omit<StoredSampleInfo, 'hostServerId'> {}

/**
 * Stores samples idempotently: the one path from a check result to ProcessStatus, used by agent
 * ingest and the SSH fallback alike, so that both reach the warning engine the same way.
 * One transaction per batch: history rows (`unnest`, on conflict do nothing), the current-status row
 * of each monitor (only ever moving forward in checked_at), and the agent's heartbeat. Hooks run
 * after the commit.
 */
export class SampleStore {
  readonly #partitions: PartitionCache;

  constructor(private readonly deps: SampleStoreDeps) {
    this.#partitions = new PartitionCache(deps.db);
  }

  async store(samples: readonly SampleInput[], options: StoreOptions): Promise<StoreResult> {
    const now = this.deps.clock();
    const future = samples.flatMap((s, i) =>
      Date.parse(s.checked_at) > now.getTime() + MAX_FUTURE_SKEW_MS ? [i] : [],
    );
    if (future.length > 0) throw new FutureSampleError(future);
    const oldest = now.getTime() - this.deps.retentionDays * DAY_MS;
    // Instants are cut to milliseconds here, as the columns store them: PostgreSQL would round
    // 23:59:59.9996 up into the next day, past the partition chosen for it.
    const fresh = samples
      .filter((s) => Date.parse(s.checked_at) >= oldest)
      .map((s) => ({
        ...s,
        checked_at: new Date(s.checked_at).toISOString(),
        start_time: s.start_time === null ? null : new Date(s.start_time).toISOString(),
      }));
    const expired = samples.length - fresh.length;

    await this.#checkOwnership(samples, options.hostServerId);
    if (fresh.length === 0) {
      if (options.source === 'AGENT') await this.#touchHeartbeat(this.deps.db, options.hostServerId, now);
      return { accepted: 0, duplicates: 0, expired, stored: [] };
    }

    const days = fresh.map((s) => partitionDay(new Date(s.checked_at)));
    let inserted: InsertedRow[];
    for (let attempt = 0; ; attempt += 1) {
      await this.#partitions.ensure(days);
      try {
        inserted = await this.deps.db.transaction().execute((trx) => this.#write(trx, fresh, options, now));
        break;
      } catch (error) {
        if (attempt > 0 || !isMissingPartitionError(error)) throw error;
        // Retention dropped a day we remembered: look again, once.
        this.#partitions.forget();
      }
    }

    const stored = inserted
      .map((row) => ({ ...row, hostServerId: options.hostServerId }))
      .sort((a, b) => a.checked_at.getTime() - b.checked_at.getTime() || a.id - b.id);
    const hook = this.deps.hooks.onSamplesStored;
    if (hook && stored.length > 0) await runHook(this.deps.logger, 'onSamplesStored', () => hook(stored));
    return { accepted: stored.length, duplicates: fresh.length - stored.length, expired, stored };
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

  async #write(
    trx: Transaction<Database>,
    samples: readonly SampleInput[],
    options: StoreOptions,
    now: Date,
  ): Promise<InsertedRow[]> {
    const col = <T>(pick: (s: SampleInput) => T) => pgArray(samples.map(pick) as (string | number | null)[]);
    const result = await sql<InsertedRow>`
      INSERT INTO "ProcessStatus" ("processMonitorId", status, pid, cpu_percent, memory_percent,
        memory_used_mb, uptime_seconds, start_time, trade_day, checked_at, check_duration_ms, error_message,
        sample_id, source, seq, process_count, matches)
      SELECT * FROM unnest(
        ${col((s) => s.processMonitorId)}::int4[],
        ${col((s) => s.status)}::"ProcessStatusType"[],
        ${col((s) => s.pid)}::int4[],
        ${col((s) => s.cpu_percent)}::float8[],
        ${col((s) => s.memory_percent)}::float8[],
        ${col((s) => s.memory_used_mb)}::float8[],
        ${col((s) => s.uptime_seconds)}::int4[],
        ${col((s) => s.start_time)}::timestamptz[],
        ${col((s) => s.trade_day)}::text[],
        ${col((s) => s.checked_at)}::timestamptz[],
        ${col((s) => s.check_duration_ms)}::int4[],
        ${col((s) => s.error_message)}::text[],
        ${col((s) => s.sample_id)}::uuid[],
        ${col(() => options.source)}::"SampleSource"[],
        ${col((s) => s.seq ?? null)}::int8[],
        ${col((s) => s.process_count)}::int4[],
        ${col((s) => (s.matches === undefined ? null : JSON.stringify(s.matches)))}::jsonb[]
      )
      ON CONFLICT (sample_id, checked_at) DO NOTHING
      RETURNING id, "processMonitorId", status, pid, cpu_percent, memory_percent, memory_used_mb,
        uptime_seconds, start_time, trade_day, checked_at, check_duration_ms, error_message, sample_id,
        source, seq, process_count, "createdAt"`.execute(trx);
    const rows = result.rows;

    if (rows.length > 0) await this.#advanceCurrentStatus(trx, rows, samples, now);
    if (options.source === 'AGENT') await this.#touchHeartbeat(trx, options.hostServerId, now);
    return rows;
  }

  /**
   * Upserts each monitor's current status from its newest new row, only if that row is newer than
   * the stored one (a late replay never overwrites a newer status). status_since moves only when the
   * status changes: the CASE keeps the stored one when the status is the same and the whole batch
   * agrees (the `batch` CTE carries that flag, which `excluded` cannot).
   */
  async #advanceCurrentStatus(
    trx: Transaction<Database>,
    rows: readonly InsertedRow[],
    samples: readonly SampleInput[],
    now: Date,
  ): Promise<void> {
    const matchesById = new Map(samples.map((s) => [s.sample_id, s.matches]));
    const candidates = currentStatusCandidates(rows);
    const latest = candidates.map((c) => c.latest);
    const col = <T>(pick: (r: InsertedRow) => T) => pgArray(latest.map(pick) as (string | number | null)[]);
    const iso = (d: Date | null) => (d === null ? null : d.toISOString());
    await sql`
      WITH batch AS (
        SELECT * FROM unnest(
          ${pgArray(candidates.map((c) => c.latest.processMonitorId))}::int4[],
          ${pgArray(candidates.map((c) => c.runCoversBatch))}::bool[]
        ) AS b(monitor_id, run_covers_batch)
      )
      INSERT INTO "ProcessCurrentStatus" ("processMonitorId", status, pid, cpu_percent, memory_percent,
        memory_used_mb, uptime_seconds, start_time, trade_day, checked_at, check_duration_ms, error_message,
        sample_id, source, seq, process_count, matches, status_since, "updatedAt")
      SELECT * FROM unnest(
        ${col((r) => r.processMonitorId)}::int4[],
        ${col((r) => r.status)}::"ProcessStatusType"[],
        ${col((r) => r.pid)}::int4[],
        ${col((r) => r.cpu_percent)}::float8[],
        ${col((r) => r.memory_percent)}::float8[],
        ${col((r) => r.memory_used_mb)}::float8[],
        ${col((r) => r.uptime_seconds)}::int4[],
        ${col((r) => iso(r.start_time))}::timestamptz[],
        ${col((r) => r.trade_day)}::text[],
        ${col((r) => iso(r.checked_at))}::timestamptz[],
        ${col((r) => r.check_duration_ms)}::int4[],
        ${col((r) => r.error_message)}::text[],
        ${col((r) => r.sample_id)}::uuid[],
        ${col((r) => r.source)}::"SampleSource"[],
        ${col((r) => r.seq)}::int8[],
        ${col((r) => r.process_count)}::int4[],
        ${col((r) => {
          const m = matchesById.get(r.sample_id);
          return m === undefined ? null : JSON.stringify(m);
        })}::jsonb[],
        ${pgArray(candidates.map((c) => c.runStart.toISOString()))}::timestamptz[],
        ${pgArray(candidates.map(() => now.toISOString()))}::timestamptz[]
      )
      ON CONFLICT ("processMonitorId") DO UPDATE SET
        status = excluded.status,
        pid = excluded.pid,
        cpu_percent = excluded.cpu_percent,
        memory_percent = excluded.memory_percent,
        memory_used_mb = excluded.memory_used_mb,
        uptime_seconds = excluded.uptime_seconds,
        start_time = excluded.start_time,
        trade_day = excluded.trade_day,
        checked_at = excluded.checked_at,
        check_duration_ms = excluded.check_duration_ms,
        error_message = excluded.error_message,
        sample_id = excluded.sample_id,
        source = excluded.source,
        seq = excluded.seq,
        process_count = excluded.process_count,
        matches = excluded.matches,
        status_since = CASE
          WHEN "ProcessCurrentStatus".status = excluded.status
            AND (SELECT b.run_covers_batch FROM batch b WHERE b.monitor_id = excluded."processMonitorId")
          THEN "ProcessCurrentStatus".status_since
          ELSE excluded.status_since
        END,
        "updatedAt" = excluded."updatedAt"
      WHERE excluded.checked_at > "ProcessCurrentStatus".checked_at`.execute(trx);
  }
}
