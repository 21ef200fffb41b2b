import type { ProcessEvent, RestartEvent } from '@procwatch/shared';
import { type Kysely, type QueryExecutorProvider, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { pgArray } from './pg-array.ts';
import { MAX_FUTURE_SKEW_MS } from './store-samples.ts';

/** What {@link storeRestartEvents} needs of a sample. */
export interface SampleWithEvents {
  readonly sample_id: string;
  readonly processMonitorId: number;
  readonly checked_at: string;
  readonly restart_events?: readonly RestartEvent[];
}

/**
 * Stores the restart events an agent batch carries, before the samples themselves so that the warning
 * engine (run by the sample store's hook) finds them by sample_id. Idempotent by event_id. A batch the
 * sample store will refuse whole (a monitor of another host, a sample dated too far ahead) stores no
 * event either: the statement inserts nothing unless every monitor of the batch is the host's.
 * Returns how many events were new.
 */
export async function storeRestartEvents(
  db: Kysely<Database>,
  hostServerId: number,
  samples: readonly SampleWithEvents[],
  now: Date,
): Promise<number> {
  const rows = samples.flatMap((s) =>
    (s.restart_events ?? []).map((e) => ({ ...e, monitorId: s.processMonitorId, sampleId: s.sample_id })),
  );
  if (rows.length === 0) return 0;
  if (samples.some((s) => Date.parse(s.checked_at) > now.getTime() + MAX_FUTURE_SKEW_MS)) return 0;
  const monitorIds = [...new Set(samples.map((s) => s.processMonitorId))];
  const col = (pick: (r: (typeof rows)[number]) => string | number | null) => pgArray(rows.map(pick));
  const result = await sql`
    INSERT INTO "ProcessEvent" (event_id, "processMonitorId", kind, action, attempt, at, duration_ms, message,
      sample_id)
    SELECT * FROM unnest(
      ${col((r) => r.event_id)}::uuid[],
      ${col((r) => r.monitorId)}::int4[],
      ${col((r) => r.kind)}::text[],
      ${col((r) => r.action)}::text[],
      ${col((r) => r.attempt)}::int4[],
      ${col((r) => new Date(r.at).toISOString())}::timestamptz[],
      ${col((r) => r.duration_ms)}::int4[],
      ${col((r) => r.message)}::text[],
      ${col((r) => r.sampleId)}::uuid[]
    )
    WHERE (SELECT count(*) FROM "ProcessMonitor"
           WHERE id = ANY(${pgArray(monitorIds)}::int4[]) AND "hostServerId" = ${hostServerId}) = ${monitorIds.length}
    ON CONFLICT (event_id) DO NOTHING`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** A monitor's events, newest first. */
export async function listProcessEvents(
  db: Kysely<Database>,
  monitorId: number,
  limit: number,
): Promise<ProcessEvent[]> {
  const rows = await db
    .selectFrom('ProcessEvent')
    .selectAll()
    .where('processMonitorId', '=', monitorId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    event_id: r.event_id,
    processMonitorId: r.processMonitorId,
    kind: r.kind,
    action: r.action,
    attempt: r.attempt,
    at: new Date(r.at).toISOString(),
    duration_ms: r.duration_ms,
    message: r.message,
  }));
}

/** The restart events stored with these samples, by sample_id (the warning engine's input). */
export async function restartEventsBySample(
  db: QueryExecutorProvider,
  sampleIds: readonly string[],
): Promise<
  Map<string, { kind: string; action: string | null; attempt: number | null; message: string | null }[]>
> {
  const out = new Map<
    string,
    { kind: string; action: string | null; attempt: number | null; message: string | null }[]
  >();
  if (sampleIds.length === 0) return out;
  const { rows } = await sql<{
    sample_id: string;
    kind: string;
    action: string | null;
    attempt: number | null;
    message: string | null;
  }>`SELECT sample_id, kind, action, attempt, message FROM "ProcessEvent"
     WHERE sample_id = ANY(${pgArray(sampleIds)}::uuid[]) ORDER BY at, id`.execute(db);
  for (const r of rows) {
    const list = out.get(r.sample_id) ?? [];
    list.push({ kind: r.kind, action: r.action, attempt: r.attempt, message: r.message });
    out.set(r.sample_id, list);
  }
  return out;
}
