import type { Monitor, MonitorFields, MonitorListQuery, MonitorUpdate } from '@procwatch/shared';
import { type Kysely, sql } from 'kysely';
import type { Database, ProcessMonitor } from '../db/schema.ts';
import { pgArray } from '../ingest/pg-array.ts';
import { iso, isoOrNull } from './iso.ts';
import { dependsOnOf, replaceDependsOn } from './monitor-dependencies.ts';

/** A ProcessMonitor row with the ids it depends on (ProcessMonitorDependency). */
export type MonitorRecord = ProcessMonitor & { readonly depends_on: readonly number[] };

async function withDependsOn(db: Kysely<Database>, rows: ProcessMonitor[]): Promise<MonitorRecord[]> {
  const deps = await dependsOnOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((row) => ({ ...row, depends_on: deps.get(row.id) ?? [] }));
}

/** A monitor as the API shows it (the seed's field names). */
export function monitorDto(row: MonitorRecord): Monitor {
  return {
    id: row.id,
    name: row.name,
    process_type: row.process_type,
    hostServerId: row.hostServerId,
    fundAccountId: row.fundAccountId,
    process_name: row.process_name,
    command_pattern: row.command_pattern,
    pid_file: row.pid_file,
    active: row.active,
    check_interval: row.check_interval,
    monitor_start_time: isoOrNull(row.monitor_start_time),
    monitor_end_time: isoOrNull(row.monitor_end_time),
    remark: row.remark,
    session_windows: row.session_windows,
    cpu_threshold_percent: row.cpu_threshold_percent,
    memory_threshold_percent: row.memory_threshold_percent,
    memory_threshold_mb: row.memory_threshold_mb,
    restart_action: row.restart_action,
    probe: row.probe,
    log_file: row.log_file,
    depends_on: [...row.depends_on],
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** The input fields of a stored monitor, to merge an update into and validate the result. */
export function monitorFieldsOf(row: MonitorRecord): MonitorFields {
  // The DTO without what the server sets: the same field list, kept in one place.
  const { id: _id, createdAt: _createdAt, updatedAt: _updatedAt, ...fields } = monitorDto(row);
  return fields;
}

// text[] goes in as a literal: PGlite does not serialise JS arrays.
function columnsOf(input: MonitorUpdate) {
  // depends_on lives in ProcessMonitorDependency, not in a column.
  const { session_windows, probe, depends_on: _dependsOn, ...rest } = input;
  return {
    ...rest,
    // jsonb goes in as text: PGlite does not serialise JS objects.
    ...(probe === undefined ? {} : { probe: probe === null ? null : JSON.stringify(probe) }),
    ...(session_windows === undefined
      ? {}
      : { session_windows: sql<string[]>`${pgArray(session_windows)}::text[]` }),
  };
}

/** Monitors matching the filters, by host and name. */
export async function listMonitors(db: Kysely<Database>, filter: MonitorListQuery): Promise<MonitorRecord[]> {
  let query = db.selectFrom('ProcessMonitor').selectAll();
  if (filter.hostServerId !== undefined) query = query.where('hostServerId', '=', filter.hostServerId);
  if (filter.process_type !== undefined) query = query.where('process_type', 'in', filter.process_type);
  if (filter.active !== undefined) query = query.where('active', '=', filter.active);
  if (filter.fundAccountId !== undefined) query = query.where('fundAccountId', '=', filter.fundAccountId);
  return withDependsOn(db, await query.orderBy('hostServerId').orderBy('name').orderBy('id').execute());
}

/** One monitor, or undefined. */
export async function findMonitor(db: Kysely<Database>, id: number): Promise<MonitorRecord | undefined> {
  const row = await db.selectFrom('ProcessMonitor').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : (await withDependsOn(db, [row]))[0];
}

/**
 * Creates a monitor with its dependencies in one transaction (unique and foreign-key violations surface as
 * database errors, unknown dependencies as a DependencyError).
 */
export async function createMonitor(
  db: Kysely<Database>,
  input: MonitorFields,
  now: Date,
): Promise<MonitorRecord> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('ProcessMonitor')
      .values({
        ...columnsOf(input),
        name: input.name,
        process_type: input.process_type,
        hostServerId: input.hostServerId,
        createdAt: now,
        updatedAt: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const dependsOn = input.depends_on ?? [];
    if (dependsOn.length > 0) await replaceDependsOn(trx, row.id, dependsOn);
    return { ...row, depends_on: [...dependsOn].sort((a, b) => a - b) };
  });
}

/**
 * Applies an update, dependencies included, in one transaction; undefined when no such monitor. A
 * `depends_on` that names a missing monitor or closes a cycle throws a DependencyError and changes nothing.
 */
export async function updateMonitor(
  db: Kysely<Database>,
  id: number,
  input: MonitorUpdate,
  now: Date,
): Promise<MonitorRecord | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('ProcessMonitor')
      .set({ ...columnsOf(input), updatedAt: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) return undefined;
    if (input.depends_on !== undefined) await replaceDependsOn(trx, id, input.depends_on);
    const deps = await dependsOnOf(trx, [id]);
    return { ...row, depends_on: deps.get(id) ?? [] };
  });
}

/** True when the monitor has stored history (or a current status). */
export async function monitorHasHistory(db: Kysely<Database>, id: number): Promise<boolean> {
  const result = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM "ProcessCurrentStatus" WHERE "processMonitorId" = ${id})
        OR EXISTS (SELECT 1 FROM "ProcessStatus" WHERE "processMonitorId" = ${id}) AS found`.execute(db);
  return result.rows[0]?.found === true;
}

/** Deletes a monitor and, by cascade, its history, current status and warnings; false when none. */
export async function deleteMonitor(db: Kysely<Database>, id: number): Promise<boolean> {
  const result = await db.deleteFrom('ProcessMonitor').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
