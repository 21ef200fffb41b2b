import type { ProbeResult } from '@procwatch/shared';
import { type Kysely, type QueryExecutorProvider, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { pgArray } from './pg-array.ts';
import { MAX_FUTURE_SKEW_MS } from './store-samples.ts';

/** What {@link storeProbeResults} needs of a sample. */
export interface SampleWithProbe {
  readonly sample_id: string;
  readonly processMonitorId: number;
  readonly checked_at: string;
  readonly probe?: ProbeResult;
}

/**
 * Stores the probe results of an agent batch before its samples (the warning engine reads them by
 * sample_id). Idempotent by sample_id; nothing is stored for a batch the sample store refuses whole.
 */
export async function storeProbeResults(
  db: Kysely<Database>,
  hostServerId: number,
  samples: readonly SampleWithProbe[],
  now: Date,
): Promise<void> {
  const rows = samples.flatMap((s) => (s.probe ? [{ ...s.probe, s }] : []));
  if (rows.length === 0) return;
  if (samples.some((s) => Date.parse(s.checked_at) > now.getTime() + MAX_FUTURE_SKEW_MS)) return;
  const monitorIds = [...new Set(samples.map((s) => s.processMonitorId))];
  const col = (pick: (r: (typeof rows)[number]) => string | number | boolean | null) =>
    pgArray(rows.map(pick));
  await sql`
    INSERT INTO "ProcessProbeResult" (sample_id, "processMonitorId", checked_at, ok, consecutive_failures,
      threshold, latency_ms, message)
    SELECT * FROM unnest(
      ${col((r) => r.s.sample_id)}::uuid[],
      ${col((r) => r.s.processMonitorId)}::int4[],
      ${col((r) => new Date(r.s.checked_at).toISOString())}::timestamptz[],
      ${col((r) => r.ok)}::bool[],
      ${col((r) => r.consecutive_failures)}::int4[],
      ${col((r) => r.threshold)}::int4[],
      ${col((r) => r.latency_ms)}::int4[],
      ${col((r) => r.message)}::text[]
    )
    WHERE (SELECT count(*) FROM "ProcessMonitor"
           WHERE id = ANY(${pgArray(monitorIds)}::int4[]) AND "hostServerId" = ${hostServerId}) = ${monitorIds.length}
    ON CONFLICT (sample_id) DO NOTHING`.execute(db);
}

/** A probe result as the warning rules see it. */
export interface RuleProbe {
  readonly ok: boolean;
  readonly consecutiveFailures: number;
  readonly threshold: number;
  readonly message: string | null;
}

/** The probe results stored with these samples, by sample_id. */
export async function probeResultsBySample(
  db: QueryExecutorProvider,
  sampleIds: readonly string[],
): Promise<Map<string, RuleProbe>> {
  const out = new Map<string, RuleProbe>();
  if (sampleIds.length === 0) return out;
  const { rows } = await sql<{
    sample_id: string;
    ok: boolean;
    consecutive_failures: number;
    threshold: number;
    message: string | null;
  }>`SELECT sample_id, ok, consecutive_failures, threshold, message FROM "ProcessProbeResult"
     WHERE sample_id = ANY(${pgArray(sampleIds)}::uuid[])`.execute(db);
  for (const r of rows) {
    out.set(r.sample_id, {
      ok: r.ok,
      consecutiveFailures: r.consecutive_failures,
      threshold: r.threshold,
      message: r.message,
    });
  }
  return out;
}
