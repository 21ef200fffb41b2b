import { sql } from 'kysely';
import type { HostRuleInput } from './agent-offline.ts';
import { loadDependencyCauses } from './dependency-causes.ts';
import type { MonitorRuleInput, MuteWindow } from './model.ts';
import type { EngineDb, EngineTrx } from './tables.ts';

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function textArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') {
    const inner = value.replace(/^\{|\}$/g, '');
    return inner === '' ? [] : inner.split(',').map((s) => s.replace(/^"|"$/g, ''));
  }
  return [];
}

/** Mutes of monitors and hosts in force at some point after `since`, grouped by target. */
export async function loadMutes(
  db: EngineDb | EngineTrx,
  query: { monitorIds?: readonly number[]; hostIds?: readonly number[]; activeAfter: Date; activeAt?: Date },
): Promise<{ byMonitor: Map<number, MuteWindow[]>; byHost: Map<number, MuteWindow[]> }> {
  const byMonitor = new Map<number, MuteWindow[]>();
  const byHost = new Map<number, MuteWindow[]>();
  const monitorIds = query.monitorIds ?? [];
  const hostIds = query.hostIds ?? [];
  if (query.monitorIds !== undefined && monitorIds.length === 0 && hostIds.length === 0) {
    return { byMonitor, byHost };
  }
  let select = db.selectFrom('WarningMute').selectAll().where('muted_until', '>', query.activeAfter);
  if (query.activeAt !== undefined) select = select.where('starts_at', '<=', query.activeAt);
  if (query.monitorIds !== undefined || query.hostIds !== undefined) {
    select = select.where((eb) =>
      eb.or([
        ...(monitorIds.length > 0 ? [eb('processMonitorId', 'in', [...monitorIds])] : []),
        ...(hostIds.length > 0 ? [eb('hostServerId', 'in', [...hostIds])] : []),
      ]),
    );
  }
  for (const row of await select.execute()) {
    const mute = { startsAt: toDate(row.starts_at), until: toDate(row.muted_until) };
    const [map, key] =
      row.processMonitorId !== null ? [byMonitor, row.processMonitorId] : [byHost, row.hostServerId];
    if (key === null) continue;
    const list = map.get(key) ?? [];
    list.push(mute);
    map.set(key, list);
  }
  return { byMonitor, byHost };
}

function mutesFromJson(value: unknown): MuteWindow[] {
  const list: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(list)) return [];
  return list.flatMap((pair) =>
    Array.isArray(pair) && pair.length === 2
      ? [{ startsAt: new Date(String(pair[0])), until: new Date(String(pair[1])) }]
      : [],
  );
}

/**
 * The rules' view of these monitors (all monitors when `ids` is undefined), with the mutes of each monitor and
 * of its host that end after `mutesAfter` (and, given `mutesAt`, have started by then), and the dependency
 * that explains its trouble if one is down. Two queries at once: they run for every ingested batch.
 */
export async function loadMonitorInputs(
  db: EngineDb | EngineTrx,
  ids: readonly number[] | undefined,
  mutesAfter: Date,
  mutesAt?: Date,
): Promise<Map<number, MonitorRuleInput>> {
  const inputs = new Map<number, MonitorRuleInput>();
  if (ids !== undefined && ids.length === 0) return inputs;
  const startedBy =
    mutesAt === undefined ? sql`` : sql`AND w.starts_at <= ${mutesAt.toISOString()}::timestamptz`;
  let select = db
    .selectFrom('ProcessMonitor as m')
    .innerJoin('HostServer as h', 'h.id', 'm.hostServerId')
    .select([
      'm.id',
      'm.name',
      'm.hostServerId',
      'h.name as hostName',
      'm.active',
      'h.active as hostActive',
      'm.monitor_start_time',
      'm.monitor_end_time',
      'm.session_windows',
      'm.cpu_threshold_percent',
      'm.memory_threshold_percent',
      'm.memory_threshold_mb',
      sql<unknown>`(
        SELECT coalesce(json_agg(json_build_array(w.starts_at, w.muted_until)), '[]'::json)
        FROM "WarningMute" w
        WHERE (w."processMonitorId" = m.id OR w."hostServerId" = m."hostServerId")
          AND w.muted_until > ${mutesAfter.toISOString()}::timestamptz ${startedBy})`.as('mutes'),
    ]);
  if (ids !== undefined) select = select.where('m.id', 'in', [...ids]);
  const [rows, causes] = await Promise.all([select.execute(), loadDependencyCauses(db, ids)]);
  for (const row of rows) {
    inputs.set(row.id, {
      id: row.id,
      name: row.name,
      hostServerId: row.hostServerId,
      hostName: row.hostName,
      // A monitor of a host switched off is not expected to run either.
      active: row.active && row.hostActive,
      monitorStartTime: row.monitor_start_time === null ? null : toDate(row.monitor_start_time),
      monitorEndTime: row.monitor_end_time === null ? null : toDate(row.monitor_end_time),
      sessionWindows: textArray(row.session_windows),
      cpuThresholdPercent: row.cpu_threshold_percent,
      memoryThresholdPercent: row.memory_threshold_percent,
      memoryThresholdMb: row.memory_threshold_mb,
      mutes: mutesFromJson(row.mutes),
      dependencyCause: causes.get(row.id) ?? null,
    });
  }
  return inputs;
}

/** The AGENT_OFFLINE rule's view of hosts (all, or these), with their mutes at `now`. */
export async function loadHostInputs(
  db: EngineDb | EngineTrx,
  now: Date,
  ids?: readonly number[],
): Promise<HostRuleInput[]> {
  if (ids !== undefined && ids.length === 0) return [];
  let select = db
    .selectFrom('HostServer')
    .select(['id', 'name', 'active', 'last_heartbeat_at', 'heartbeat_timeout_seconds']);
  if (ids !== undefined) select = select.where('id', 'in', [...ids]);
  const rows = await select.execute();
  const mutes = await loadMutes(db, {
    ...(ids === undefined ? {} : { monitorIds: [], hostIds: rows.map((r) => r.id) }),
    activeAfter: now,
    activeAt: now,
  });
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    active: row.active,
    lastHeartbeatAt: row.last_heartbeat_at === null ? null : toDate(row.last_heartbeat_at),
    heartbeatTimeoutSeconds: row.heartbeat_timeout_seconds,
    mutes: mutes.byHost.get(row.id) ?? [],
  }));
}
