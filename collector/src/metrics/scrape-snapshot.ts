import type { OpsWarningStatus, OpsWarningType, ProcessStatusType, ProcessType } from '@procwatch/shared';
import { errorMessage } from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { lastJobSuccesses } from '../jobs/job-run-store.ts';
import type { Logger } from '../logger.ts';

/** One monitored process as the metrics see it: its labels and its latest status (if any). */
export interface MonitorPoint {
  monitorId: number;
  labels: { host: string; monitor: string; type: ProcessType; account: string; monitor_id: string };
  status: ProcessStatusType | null;
  cpuPercent: number | null;
  memoryPercent: number | null;
  memoryUsedMb: number | null;
  uptimeSeconds: number | null;
  startTime: Date | null;
  checkedAt: Date | null;
}

/** What the database says at scrape time; every collector of a cluster reports the same. */
export interface ScrapeSnapshot {
  monitors: MonitorPoint[];
  /** Unresolved warnings; `held`: notifications held because a dependency is down. */
  openWarnings: { type: OpsWarningType; status: OpsWarningStatus; held: boolean; count: number }[];
  hosts: { host: string; lastHeartbeatAt: Date | null }[];
  lastJobSuccess: Map<string, Date>;
}

async function readSnapshot(db: Kysely<Database>): Promise<ScrapeSnapshot> {
  // Active monitors on active hosts only: labels are bounded by the configured monitors (never by
  // pid), and a deleted or paused monitor leaves the exposition at the next scrape.
  const monitors = await db
    .selectFrom('ProcessMonitor as m')
    .innerJoin('HostServer as h', 'h.id', 'm.hostServerId')
    .leftJoin('ProcessCurrentStatus as s', 's.processMonitorId', 'm.id')
    .select([
      'm.id',
      'm.name',
      'm.process_type',
      'm.fundAccountId',
      'h.name as host',
      's.status',
      's.cpu_percent',
      's.memory_percent',
      's.memory_used_mb',
      's.uptime_seconds',
      's.start_time',
      's.checked_at',
    ])
    .where('m.active', '=', true)
    .where('h.active', '=', true)
    .orderBy('m.id')
    .execute();
  const warnings = await db
    .selectFrom('OpsWarning')
    .select([
      'type',
      'status',
      (eb) => eb('suppressed_by', 'is not', null).as('held'),
      (eb) => eb.fn.countAll<number>().as('count'),
    ])
    .where('status', '<>', 'RESOLVED')
    .groupBy(['type', 'status', 'held'])
    .execute();
  const hosts = await db
    .selectFrom('HostServer')
    .select(['name', 'last_heartbeat_at'])
    .where('active', '=', true)
    .execute();
  return {
    monitors: monitors.map((r) => ({
      monitorId: r.id,
      labels: {
        host: r.host,
        monitor: r.name,
        type: r.process_type,
        account: r.fundAccountId ?? '',
        monitor_id: String(r.id),
      },
      status: r.status,
      cpuPercent: r.cpu_percent,
      memoryPercent: r.memory_percent,
      memoryUsedMb: r.memory_used_mb,
      uptimeSeconds: r.uptime_seconds,
      startTime: r.start_time,
      checkedAt: r.checked_at,
    })),
    openWarnings: warnings.map((w) => ({
      type: w.type,
      status: w.status,
      held: w.held === true,
      count: Number(w.count),
    })),
    hosts: hosts.map((h) => ({ host: h.name, lastHeartbeatAt: h.last_heartbeat_at })),
    lastJobSuccess: await lastJobSuccesses(db),
  };
}

/**
 * Reads the snapshot once per scrape: prom-client starts every metric's collect() in the same tick,
 * and they all share the read in flight (so do scrapes that overlap it). A failed read gives
 * undefined (the metrics then omit database values) and is logged.
 */
export function createSnapshotReader(
  db: Kysely<Database>,
  options: { log?: Logger } = {},
): () => Promise<ScrapeSnapshot | undefined> {
  let inFlight: Promise<ScrapeSnapshot | undefined> | undefined;
  return () => {
    inFlight ??= readSnapshot(db)
      .catch((error: unknown) => {
        options.log?.warn({ err: errorMessage(error) }, 'metrics: database read failed');
        return undefined;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
