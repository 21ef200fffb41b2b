import { dependencyCause } from '@procwatch/shared';
import { sql } from 'kysely';
import type { RuleDependencyCause } from './model.ts';
import type { EngineDb, EngineTrx } from './tables.ts';

// How far up a chain of dependencies the engine looks; real chains are two or three long.
const MAX_LEVELS = 16;

interface DependencyRow {
  id: number;
  name: string;
  host_name: string;
  down: boolean;
}

/** The edges reachable upwards from `ids` (all edges when undefined), one plain query per level. */
async function loadEdges(
  db: EngineDb | EngineTrx,
  ids: readonly number[] | undefined,
): Promise<Map<number, number[]>> {
  const edges = new Map<number, number[]>();
  let frontier = ids === undefined ? undefined : [...new Set(ids)];
  for (let level = 0; level < MAX_LEVELS && (frontier === undefined || frontier.length > 0); level++) {
    let select = db.selectFrom('ProcessMonitorDependency').select(['processMonitorId', 'dependsOnId']);
    if (frontier !== undefined) select = select.where('processMonitorId', 'in', frontier);
    const rows = await select.execute();
    for (const row of rows) {
      const list = edges.get(row.processMonitorId) ?? [];
      list.push(row.dependsOnId);
      edges.set(row.processMonitorId, list);
    }
    if (frontier === undefined) break;
    frontier = [...new Set(rows.map((r) => r.dependsOnId))].filter((id) => !edges.has(id));
  }
  return edges;
}

/**
 * What explains the trouble of each of these monitors (all monitors when `ids` is undefined) that has a
 * dependency down now. A dependency counts as down when it is active and its latest sample found it
 * NOT_FOUND or STOPPED (a failed check keeps the last known status), or while its NOT_RUNNING / CRASHED
 * warning is unresolved — which also covers a dependency restarted between two checks and one that is up
 * again but not yet for the samples that resolve its warning, the time its dependents need to reconnect.
 * The current status is read, not the engine's state: ingest has stored the whole batch before the engine
 * runs, so a dependency that went down in the same batch as its dependent already counts.
 *
 * This runs for every ingested batch, so it stays cheap: one index probe when the batch's monitors have no
 * dependencies, the usual case. The chain is walked with plain queries rather than one recursive CTE, whose
 * row estimates (millions, on a small table) made PostgreSQL JIT-compile it on every batch.
 */
export async function loadDependencyCauses(
  db: EngineDb | EngineTrx,
  ids: readonly number[] | undefined,
): Promise<Map<number, RuleDependencyCause>> {
  const causes = new Map<number, RuleDependencyCause>();
  if (ids !== undefined && ids.length === 0) return causes;
  const edges = await loadEdges(db, ids);
  if (edges.size === 0) return causes;
  const dependencyIds = [...new Set([...edges.values()].flat())];
  const rows = await db
    .selectFrom('ProcessMonitor as m')
    .innerJoin('HostServer as h', 'h.id', 'm.hostServerId')
    .leftJoin('ProcessCurrentStatus as c', 'c.processMonitorId', 'm.id')
    .leftJoin('ProcessWarningState as s', 's.processMonitorId', 'm.id')
    .select([
      'm.id',
      'm.name',
      'h.name as host_name',
      sql<boolean>`coalesce(m.active AND h.active AND (
        c.status IN ('NOT_FOUND', 'STOPPED')
        OR (c.status = 'ERROR' AND s.last_status IN ('NOT_FOUND', 'STOPPED'))
        OR EXISTS (SELECT 1 FROM "OpsWarning" w
          WHERE w.dedup_key IN ('monitor:' || m.id || ':PROCESS_NOT_RUNNING', 'monitor:' || m.id || ':PROCESS_CRASHED')
            AND w.status <> 'RESOLVED')
      ), false)`.as('down'),
    ])
    .where('m.id', 'in', dependencyIds)
    .execute();
  const monitors = new Map<number, DependencyRow>(rows.map((r) => [r.id, r]));
  const isDown = (id: number) => monitors.get(id)?.down === true;
  for (const id of ids ?? edges.keys()) {
    const cause = dependencyCause(id, edges, isDown);
    if (cause === null) continue;
    const root = monitors.get(cause.root);
    const direct = monitors.get(cause.direct);
    if (!root || !direct) continue;
    causes.set(id, {
      id: cause.root,
      name: root.name,
      hostName: root.host_name,
      directId: cause.direct,
      directName: direct.name,
    });
  }
  return causes;
}
