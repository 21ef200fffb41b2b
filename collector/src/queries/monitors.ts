import type { Monitor, MonitorFields, MonitorListQuery, MonitorUpdate } from '@procwatch/shared';
import { type Kysely, sql } from 'kysely';
import type { Database, ProcessMonitor } from '../db/schema.ts';
import { pgArray } from '../ingest/pg-array.ts';
import { iso, isoOrNull } from './iso.ts';

/** A ProcessMonitor row as the API shows it (the seed's field names). */
export function monitorDto(row: ProcessMonitor): Monitor {
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
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** The input fields of a stored monitor, to merge an update into and validate the result. */
export function monitorFieldsOf(row: ProcessMonitor): MonitorFields {
  return {
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
  };
}

// text[] goes in as a literal: PGlite does not serialise JS arrays.
function columnsOf(input: MonitorUpdate) {
  const { session_windows, probe, ...rest } = input;
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
export async function listMonitors(
  db: Kysely<Database>,
  filter: MonitorListQuery,
): Promise<ProcessMonitor[]> {
  let query = db.selectFrom('ProcessMonitor').selectAll();
  if (filter.hostServerId !== undefined) query = query.where('hostServerId', '=', filter.hostServerId);
  if (filter.process_type !== undefined) query = query.where('process_type', 'in', filter.process_type);
  if (filter.active !== undefined) query = query.where('active', '=', filter.active);
  if (filter.fundAccountId !== undefined) query = query.where('fundAccountId', '=', filter.fundAccountId);
  return query.orderBy('hostServerId').orderBy('name').orderBy('id').execute();
}

/** One monitor, or undefined. */
export async function findMonitor(db: Kysely<Database>, id: number): Promise<ProcessMonitor | undefined> {
  return db.selectFrom('ProcessMonitor').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Creates a monitor (unique and foreign-key violations surface as database errors). */
export async function createMonitor(
  db: Kysely<Database>,
  input: MonitorFields,
  now: Date,
): Promise<ProcessMonitor> {
  return db
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
}

/** Applies an update; undefined when no such monitor. */
export async function updateMonitor(
  db: Kysely<Database>,
  id: number,
  input: MonitorUpdate,
  now: Date,
): Promise<ProcessMonitor | undefined> {
  return db
    .updateTable('ProcessMonitor')
    .set({ ...columnsOf(input), updatedAt: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
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
