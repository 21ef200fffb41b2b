import type {
  NotificationAttempt,
  NotificationChannel,
  NotificationChannelCreate,
  NotificationChannelKind,
  NotificationChannelUpdate,
  OpsWarningType,
} from '@procwatch/shared';
import { type RawBuilder, sql } from 'kysely';
import type { EngineDb } from '../warnings/tables.ts';
import { redactUrl } from './redact-url.ts';
import type { NotificationChannelRow } from './tables.ts';

function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

// Arrays travel as one JSON parameter: PGlite does not serialise JS arrays.
function textArray(values: readonly string[]): RawBuilder<string[]> {
  return sql<string[]>`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))::text[]`;
}

function intArray(values: readonly number[]): RawBuilder<number[]> {
  return sql<
    number[]
  >`ARRAY(SELECT (jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))::int)::int[]`;
}

function asArray<T>(value: unknown, map: (s: string) => T): T[] {
  if (Array.isArray(value)) return value.map((v) => map(String(v)));
  if (typeof value === 'string') {
    const inner = value.replace(/^\{|\}$/g, '');
    return inner === '' ? [] : inner.split(',').map(map);
  }
  return [];
}

/** A channel as the API shows it: URL tokens masked, the secret only as "there is one". */
export function channelDto(row: NotificationChannelRow): NotificationChannel {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as NotificationChannelKind,
    url: redactUrl(row.url),
    has_secret: row.secret !== null && row.secret !== '',
    enabled: row.enabled,
    types: asArray(row.types, (s) => s as OpsWarningType),
    hostServerIds: asArray(row.hostServerIds, Number),
    events: asArray(row.events, (s) => s as 'opened' | 'resolved' | 'reminder'),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** Every channel, by name. */
export function listChannels(db: EngineDb): Promise<NotificationChannelRow[]> {
  return db.selectFrom('NotificationChannel').selectAll().orderBy('name').execute();
}

/** One channel, or undefined. */
export function findChannel(db: EngineDb, id: number): Promise<NotificationChannelRow | undefined> {
  return db.selectFrom('NotificationChannel').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Creates a channel. A taken name surfaces as the unique violation of NotificationChannel_name_key. */
export function createChannel(
  db: EngineDb,
  input: NotificationChannelCreate,
  now: Date,
): Promise<NotificationChannelRow> {
  return db
    .insertInto('NotificationChannel')
    .values({
      name: input.name,
      kind: input.kind,
      url: input.url,
      secret: input.secret ?? null,
      enabled: input.enabled ?? true,
      types: textArray(input.types ?? []),
      hostServerIds: intArray(input.hostServerIds ?? []),
      events: textArray(input.events ?? []),
      createdAt: now,
      updatedAt: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Applies a partial update; `secret: null` clears it, an absent field stays as it is. */
export function updateChannel(
  db: EngineDb,
  id: number,
  patch: NotificationChannelUpdate,
  now: Date,
): Promise<NotificationChannelRow | undefined> {
  return db
    .updateTable('NotificationChannel')
    .set({
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.kind === undefined ? {} : { kind: patch.kind }),
      ...(patch.url === undefined ? {} : { url: patch.url }),
      ...(patch.secret === undefined ? {} : { secret: patch.secret }),
      ...(patch.enabled === undefined ? {} : { enabled: patch.enabled }),
      ...(patch.types === undefined ? {} : { types: textArray(patch.types) }),
      ...(patch.hostServerIds === undefined ? {} : { hostServerIds: intArray(patch.hostServerIds) }),
      ...(patch.events === undefined ? {} : { events: textArray(patch.events) }),
      updatedAt: now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes a channel with its queue and attempts; false if there was none. */
export async function deleteChannel(db: EngineDb, id: number): Promise<boolean> {
  const result = await db.deleteFrom('NotificationChannel').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The attempts of one delivery, first first. */
export async function attemptsOf(db: EngineDb, deliveryId: number): Promise<NotificationAttempt[]> {
  const rows = await db
    .selectFrom('NotificationAttempt')
    .selectAll()
    .where('deliveryId', '=', deliveryId)
    .orderBy('attempt')
    .execute();
  return rows.map((a) => ({
    attempt: a.attempt,
    started_at: iso(a.started_at),
    duration_ms: a.duration_ms,
    ok: a.ok,
    status_code: a.status_code,
    error: a.error,
  }));
}

/** Recent deliveries of a channel, newest first, each with its attempts. */
export async function recentDeliveries(db: EngineDb, channelId: number, limit: number) {
  const rows = await db
    .selectFrom('NotificationDelivery')
    .select(['id', 'opsWarningId', 'event', 'status', 'attempts', 'last_error', 'delivered_at', 'createdAt'])
    .where('channelId', '=', channelId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return Promise.all(
    rows.map(async (d) => ({
      id: d.id,
      opsWarningId: d.opsWarningId,
      event: d.event,
      status: d.status,
      last_error: d.last_error,
      delivered_at: d.delivered_at === null ? null : iso(d.delivered_at),
      createdAt: iso(d.createdAt),
      attempts: await attemptsOf(db, d.id),
    })),
  );
}
