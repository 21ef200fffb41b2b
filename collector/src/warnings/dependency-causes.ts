import { dependencyCause } from '@procwatch/shared';
import { sql } from 'kysely';
import type { RuleDependencyCause } from './model.ts';
import type { EngineDb, EngineTrx } from './tables.ts';

interface EdgeRow {
  id: number;
  dep: number;
  name: string;
  host_name: string;
  down: boolean;
}

/**
 * What explains the trouble of each of these monitors (all monitors when `ids` is undefined) that has a
 * dependency down now. A dependency counts as down when it is active and its latest sample found it
 * NOT_FOUND or STOPPED (a failed check keeps the last known status), or while its NOT_RUNNING / CRASHED
 * warning is unresolved — which also covers a dependency restarted between two checks and one that is up
 * again but not yet for the samples that resolve its warning, the time its dependents need to reconnect.
 * The current status is read, not the engine's state: ingest has stored the whole batch before the engine
 * runs, so a dependency that went down in the same batch as its dependent already counts.
 * One query that walks up only the edges reachable from these monitors; none at all costs one index probe.
 */
export async function loadDependencyCauses(
  db: EngineDb | EngineTrx,
  ids: readonly number[] | undefined,
): Promise<Map<number, RuleDependencyCause>> {
  const causes = new Map<number, RuleDependencyCause>();
  if (ids !== undefined && ids.length === 0) return causes;
  // Ids travel as one JSON parameter: PGlite does not serialise arrays.
  const start =
    ids === undefined
      ? sql``
      : sql`WHERE d."processMonitorId" IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::int)`;
  const { rows } = await sql<EdgeRow>`
    WITH RECURSIVE edge (id, dep) AS (
      SELECT d."processMonitorId", d."dependsOnId" FROM "ProcessMonitorDependency" d ${start}
      UNION
      SELECT d."processMonitorId", d."dependsOnId"
      FROM "ProcessMonitorDependency" d JOIN edge e ON d."processMonitorId" = e.dep
    )
    SELECT e.id, e.dep, m.name, h.name AS host_name,
      coalesce(m.active AND h.active AND (
        c.status IN ('NOT_FOUND', 'STOPPED')
        OR (c.status = 'ERROR' AND s.last_status IN ('NOT_FOUND', 'STOPPED'))
        OR EXISTS (SELECT 1 FROM "OpsWarning" w
          WHERE w.dedup_key IN ('monitor:' || m.id || ':PROCESS_NOT_RUNNING', 'monitor:' || m.id || ':PROCESS_CRASHED')
            AND w.status <> 'RESOLVED')
      ), false) AS down
    FROM edge e
    JOIN "ProcessMonitor" m ON m.id = e.dep
    JOIN "HostServer" h ON h.id = m."hostServerId"
    LEFT JOIN "ProcessCurrentStatus" c ON c."processMonitorId" = m.id
    LEFT JOIN "ProcessWarningState" s ON s."processMonitorId" = m.id`.execute(db);
  if (rows.length === 0) return causes;
  const edges = new Map<number, number[]>();
  const monitors = new Map<number, EdgeRow>();
  for (const row of rows) {
    const list = edges.get(row.id) ?? [];
    list.push(row.dep);
    edges.set(row.id, list);
    monitors.set(row.dep, row);
  }
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
