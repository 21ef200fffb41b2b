import type { Mute, MuteCreate, MuteListQuery, MuteUpdate } from '@procwatch/shared';
import type { EngineDb, WarningMuteRow } from './tables.ts';

function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** A mute as the API shows it; `active` at `now`. */
export function muteDto(row: WarningMuteRow, now: Date): Mute {
  const startsAt = new Date(row.starts_at);
  const until = new Date(row.muted_until);
  return {
    id: row.id,
    processMonitorId: row.processMonitorId,
    hostServerId: row.hostServerId,
    starts_at: iso(startsAt),
    muted_until: iso(until),
    reason: row.reason,
    created_by: row.created_by,
    active: startsAt <= now && now < until,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** Mutes not yet ended at `now` (all of them with include_expired), ending soonest first. */
export function listMutes(db: EngineDb, query: MuteListQuery, now: Date): Promise<WarningMuteRow[]> {
  let select = db.selectFrom('WarningMute').selectAll();
  if (!query.include_expired) select = select.where('muted_until', '>', now);
  if (query.hostServerId !== undefined) select = select.where('hostServerId', '=', query.hostServerId);
  if (query.processMonitorId !== undefined)
    select = select.where('processMonitorId', '=', query.processMonitorId);
  return select.orderBy('muted_until').orderBy('id').execute();
}

/** One mute, or undefined. */
export function findMute(db: EngineDb, id: number): Promise<WarningMuteRow | undefined> {
  return db.selectFrom('WarningMute').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether the mute's target exists: the monitor or the host it names. */
export async function muteTargetExists(
  db: EngineDb,
  input: Pick<MuteCreate, 'processMonitorId' | 'hostServerId'>,
) {
  if (input.processMonitorId !== undefined) {
    return (
      (await db
        .selectFrom('ProcessMonitor')
        .select('id')
        .where('id', '=', input.processMonitorId)
        .executeTakeFirst()) !== undefined
    );
  }
  if (input.hostServerId !== undefined) {
    return (
      (await db
        .selectFrom('HostServer')
        .select('id')
        .where('id', '=', input.hostServerId)
        .executeTakeFirst()) !== undefined
    );
  }
  return false;
}

/** Creates a mute starting at `starts_at` or now. */
export function createMute(db: EngineDb, input: MuteCreate, now: Date): Promise<WarningMuteRow> {
  return db
    .insertInto('WarningMute')
    .values({
      processMonitorId: input.processMonitorId ?? null,
      hostServerId: input.hostServerId ?? null,
      starts_at: input.starts_at === undefined ? now : new Date(input.starts_at),
      muted_until: new Date(input.muted_until),
      reason: input.reason ?? null,
      created_by: input.created_by ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Moves a mute's end or changes its reason. */
export function updateMute(
  db: EngineDb,
  id: number,
  patch: MuteUpdate,
  now: Date,
): Promise<WarningMuteRow | undefined> {
  return db
    .updateTable('WarningMute')
    .set({
      ...(patch.muted_until === undefined ? {} : { muted_until: new Date(patch.muted_until) }),
      ...(patch.reason === undefined ? {} : { reason: patch.reason }),
      updatedAt: now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes a mute (ends it at once); false if there was none. */
export async function deleteMute(db: EngineDb, id: number): Promise<boolean> {
  const result = await db.deleteFrom('WarningMute').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
