import type { LogTail } from '@procwatch/shared';
import { type Kysely, type QueryExecutorProvider, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { pgArray } from './pg-array.ts';
import { MAX_FUTURE_SKEW_MS } from './store-samples.ts';

/** What {@link storeLogTails} needs of a sample. */
export interface SampleWithLogTail {
  readonly sample_id: string;
  readonly processMonitorId: number;
  readonly checked_at: string;
  readonly log_tail?: LogTail;
}

/** Stores the log tails of an agent batch before its samples; idempotent; nothing for a refused batch. */
export async function storeLogTails(
  db: Kysely<Database>,
  hostServerId: number,
  samples: readonly SampleWithLogTail[],
  now: Date,
): Promise<void> {
  const rows = samples.flatMap((s) => (s.log_tail ? [{ ...s.log_tail, s }] : []));
  if (rows.length === 0) return;
  if (samples.some((s) => Date.parse(s.checked_at) > now.getTime() + MAX_FUTURE_SKEW_MS)) return;
  const monitorIds = [...new Set(samples.map((s) => s.processMonitorId))];
  const col = (pick: (r: (typeof rows)[number]) => string | number | boolean | null) =>
    pgArray(rows.map(pick));
  await sql`
    INSERT INTO "ProcessLogTail" (sample_id, "processMonitorId", checked_at, path, text, truncated, error)
    SELECT * FROM unnest(
      ${col((r) => r.s.sample_id)}::uuid[],
      ${col((r) => r.s.processMonitorId)}::int4[],
      ${col((r) => new Date(r.s.checked_at).toISOString())}::timestamptz[],
      ${col((r) => r.path)}::text[],
      ${col((r) => r.text)}::text[],
      ${col((r) => r.truncated)}::bool[],
      ${col((r) => r.error)}::text[]
    )
    WHERE (SELECT count(*) FROM "ProcessMonitor"
           WHERE id = ANY(${pgArray(monitorIds)}::int4[]) AND "hostServerId" = ${hostServerId}) = ${monitorIds.length}
    ON CONFLICT (sample_id) DO NOTHING`.execute(db);
}

/** The log tails stored with these samples, by sample_id. */
export async function logTailsBySample(
  db: QueryExecutorProvider,
  sampleIds: readonly string[],
): Promise<Map<string, LogTail>> {
  const out = new Map<string, LogTail>();
  if (sampleIds.length === 0) return out;
  const { rows } = await sql<LogTail & { sample_id: string }>`
    SELECT sample_id, path, text, truncated, error FROM "ProcessLogTail"
    WHERE sample_id = ANY(${pgArray(sampleIds)}::uuid[])`.execute(db);
  for (const r of rows)
    out.set(r.sample_id, { path: r.path, text: r.text, truncated: r.truncated, error: r.error });
  return out;
}
