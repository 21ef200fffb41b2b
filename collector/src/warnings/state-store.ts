import { OPS_WARNING_TYPES, type OpsWarningType } from '@procwatch/shared';
import { sql } from 'kysely';
import { INITIAL_ENGINE_STATE, type MonitorEngineState, type RuleCounters } from './model.ts';
import type { EngineTrx } from './tables.ts';

const KNOWN_TYPES = new Set<string>(OPS_WARNING_TYPES);

function toDate(value: Date | string | null): Date | null {
  if (value === null) return null;
  return value instanceof Date ? value : new Date(value);
}

function countersOf(raw: Record<string, unknown> | string | null): RuleCounters {
  const parsed: Record<string, unknown> = typeof raw === 'string' ? JSON.parse(raw) : (raw ?? {});
  const read = (key: keyof RuleCounters) => {
    const value = parsed[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  };
  return {
    cpuHigh: read('cpuHigh'),
    cpuLow: read('cpuLow'),
    memHigh: read('memHigh'),
    memLow: read('memLow'),
    upStreak: read('upStreak'),
    checkOkStreak: read('checkOkStreak'),
  };
}

interface StateRow {
  processMonitorId: number;
  last_checked_at: Date | string | null;
  last_status: 'RUNNING' | 'STOPPED' | 'NOT_FOUND' | null;
  last_pid: number | null;
  last_start_time: Date | string | null;
  watching: boolean | null;
  watching_at: Date | string | null;
  raised: string[] | string;
  counters: Record<string, unknown> | string | null;
}

function parseTextArray(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  // A driver that does not parse text[] hands over '{A,B}'; our values are enum names, never quoted.
  const inner = value.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',');
}

/** A ProcessWarningState row as the rules' state. */
export function stateFromRow(row: StateRow): MonitorEngineState {
  return {
    lastCheckedAt: toDate(row.last_checked_at),
    lastStatus: row.last_status,
    lastPid: row.last_pid,
    lastStartTime: toDate(row.last_start_time),
    watching: row.watching,
    watchingAt: toDate(row.watching_at),
    raised: parseTextArray(row.raised)
      .filter((t): t is OpsWarningType => KNOWN_TYPES.has(t))
      .sort(),
    counters: countersOf(row.counters),
  };
}

/**
 * Locks the state rows of these monitors for the rest of the transaction, creating missing ones, and returns
 * them. Rows are locked in id order, so two collectors judging overlapping sets of monitors cannot deadlock;
 * the second waits for the first to commit and then sees its state (and its raised warnings).
 */
export async function lockMonitorStates(
  trx: EngineTrx,
  monitorIds: readonly number[],
): Promise<Map<number, MonitorEngineState>> {
  const ids = [...new Set(monitorIds)].sort((a, b) => a - b);
  const states = new Map<number, MonitorEngineState>();
  if (ids.length === 0) return states;
  const lock = (list: readonly number[]) =>
    trx
      .selectFrom('ProcessWarningState')
      .selectAll()
      .where('processMonitorId', 'in', [...list])
      .orderBy('processMonitorId')
      .forUpdate()
      .execute();
  const rows = await lock(ids);
  // A monitor seen for the first time gets its row here (inserting it locks it too); in the steady state every
  // row exists and this costs nothing. The ids travel as one JSON parameter: PGlite does not serialise arrays.
  const found = new Set(rows.map((r) => r.processMonitorId));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) {
    await sql`INSERT INTO "ProcessWarningState" ("processMonitorId")
      SELECT m.id FROM "ProcessMonitor" m
      WHERE m.id IN (SELECT jsonb_array_elements_text(${JSON.stringify(missing)}::jsonb)::int)
      ORDER BY m.id
      ON CONFLICT DO NOTHING`.execute(trx);
    rows.push(...(await lock(missing)));
  }
  for (const row of rows) states.set(row.processMonitorId, stateFromRow(row as StateRow));
  for (const id of ids) if (!states.has(id)) states.set(id, INITIAL_ENGINE_STATE);
  return states;
}

/** Writes the states that changed (one statement for all of them). */
export async function saveMonitorStates(
  trx: EngineTrx,
  states: ReadonlyMap<number, MonitorEngineState>,
): Promise<void> {
  if (states.size === 0) return;
  const records = [...states].map(([id, s]) => ({
    id,
    last_checked_at: s.lastCheckedAt?.toISOString() ?? null,
    last_status: s.lastStatus,
    last_pid: s.lastPid,
    last_start_time: s.lastStartTime?.toISOString() ?? null,
    watching: s.watching,
    watching_at: s.watchingAt?.toISOString() ?? null,
    raised: s.raised,
    counters: s.counters,
  }));
  // One parameter however many monitors: jsonb_to_recordset unpacks the batch on the server. The planner
  // takes that function for 100 rows, so joining on it alone hash-joins a seq scan of every state row (one per
  // ingested batch, however many monitors exist). The ids again as `= ANY(ARRAY(…))`, an array computed once,
  // are an index condition on the primary key whatever the batch size. They travel as JSON, like
  // lockMonitorStates's: PGlite does not serialise arrays.
  const ids = JSON.stringify(records.map((r) => r.id));
  await sql`UPDATE "ProcessWarningState" AS s SET
      last_checked_at = v.last_checked_at,
      last_status = v.last_status::"ProcessStatusType",
      last_pid = v.last_pid,
      last_start_time = v.last_start_time,
      watching = v.watching,
      watching_at = v.watching_at,
      raised = ARRAY(SELECT jsonb_array_elements_text(v.raised)),
      counters = v.counters,
      "updatedAt" = now()
    FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS v(
      id integer, last_checked_at timestamptz, last_status text, last_pid integer, last_start_time timestamptz,
      watching boolean, watching_at timestamptz, raised jsonb, counters jsonb)
    WHERE s."processMonitorId" = v.id
      AND s."processMonitorId" = ANY (ARRAY(SELECT jsonb_array_elements_text(${ids}::jsonb)::int))
  `.execute(trx);
}

/** Whether two states differ in anything persisted. */
export function stateChanged(a: MonitorEngineState, b: MonitorEngineState): boolean {
  const t = (d: Date | null) => d?.getTime() ?? null;
  return (
    t(a.lastCheckedAt) !== t(b.lastCheckedAt) ||
    a.lastStatus !== b.lastStatus ||
    a.lastPid !== b.lastPid ||
    t(a.lastStartTime) !== t(b.lastStartTime) ||
    a.watching !== b.watching ||
    t(a.watchingAt) !== t(b.watchingAt) ||
    a.raised.join(',') !== b.raised.join(',') ||
    JSON.stringify(a.counters) !== JSON.stringify(b.counters)
  );
}
