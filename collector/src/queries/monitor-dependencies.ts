import { findDependencyCycle } from '@procwatch/shared';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Why a monitor's `depends_on` cannot be saved; the route turns it into a problem document. */
export class DependencyError extends Error {
  override name = 'DependencyError';
  constructor(
    readonly code: 'unknown_dependency' | 'dependency_cycle',
    message: string,
    /** For a cycle: the monitor ids along it, first and last the monitor being saved. */
    readonly cycle: readonly number[] = [],
  ) {
    super(message);
  }
}

/** The dependencies of these monitors, ascending; every id given gets an entry. */
export async function dependsOnOf(db: Db, ids: readonly number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('ProcessMonitorDependency')
    .select(['processMonitorId', 'dependsOnId'])
    .where('processMonitorId', 'in', [...new Set(ids)])
    .orderBy('processMonitorId')
    .orderBy('dependsOnId')
    .execute();
  for (const row of rows) out.get(row.processMonitorId)?.push(row.dependsOnId);
  return out;
}

/** Every edge of the graph: monitor → what it depends on. */
async function loadGraph(db: Db): Promise<Map<number, number[]>> {
  const edges = new Map<number, number[]>();
  const rows = await db
    .selectFrom('ProcessMonitorDependency')
    .select(['processMonitorId', 'dependsOnId'])
    .execute();
  for (const row of rows) {
    const list = edges.get(row.processMonitorId) ?? [];
    list.push(row.dependsOnId);
    edges.set(row.processMonitorId, list);
  }
  return edges;
}

async function describeCycle(db: Db, cycle: readonly number[]): Promise<string> {
  const rows = await db
    .selectFrom('ProcessMonitor')
    .select(['id', 'name'])
    .where('id', 'in', [...new Set(cycle)])
    .execute();
  const names = new Map(rows.map((r) => [r.id, r.name]));
  return cycle.map((id) => `#${id} ${JSON.stringify(names.get(id) ?? '?')}`).join(' → ');
}

/**
 * Replaces a monitor's dependencies inside the caller's transaction, refusing ids of no monitor and any
 * cycle. Every change of the graph takes one transaction-scoped advisory lock first: two collectors saving
 * the two halves of a cycle at the same moment would otherwise each see an acyclic graph and both commit.
 * (PGlite has one session, so there the lock is free and changes are serial anyway.)
 */
export async function replaceDependsOn(
  trx: Transaction<Database>,
  monitorId: number,
  dependsOn: readonly number[],
): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('procwatch:ProcessMonitorDependency'))`.execute(trx);
  const wanted = [...new Set(dependsOn)].sort((a, b) => a - b);
  if (wanted.length > 0) {
    const found = await trx.selectFrom('ProcessMonitor').select('id').where('id', 'in', wanted).execute();
    const known = new Set(found.map((r) => r.id));
    const missing = wanted.filter((id) => !known.has(id));
    if (missing.length > 0) {
      throw new DependencyError('unknown_dependency', `no monitor has id ${missing.join(', ')}`);
    }
    const edges = await loadGraph(trx);
    edges.set(monitorId, wanted);
    const cycle = findDependencyCycle(edges, monitorId);
    if (cycle) {
      throw new DependencyError(
        'dependency_cycle',
        `would make a dependency cycle: ${await describeCycle(trx, cycle)}`,
        cycle,
      );
    }
  }
  await trx.deleteFrom('ProcessMonitorDependency').where('processMonitorId', '=', monitorId).execute();
  if (wanted.length > 0) {
    await trx
      .insertInto('ProcessMonitorDependency')
      .values(wanted.map((dependsOnId) => ({ processMonitorId: monitorId, dependsOnId })))
      .execute();
  }
}
