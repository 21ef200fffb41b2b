import { OPS_WARNING_TYPES } from '@procwatch/shared';
import type { Kysely } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/schema.ts';
import type { StoredSampleInfo } from '../ingest/stored-sample.ts';
import type { JobRunResult } from '../jobs/job-scheduler.ts';
import type { Logger } from '../logger.ts';
import { createSnapshotReader, type MonitorPoint } from './scrape-snapshot.ts';

/** What the metrics need of a stored ProcessStatus row. */
export type StoredRow = Pick<
  StoredSampleInfo,
  'processMonitorId' | 'status' | 'start_time' | 'source' | 'checked_at'
>;

/** Connection counts of a pg pool (pg.Pool has these three). */
export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Options of {@link createCollectorMetrics}. */
export interface CollectorMetricsOptions {
  db: Kysely<Database>;
  /** The pg pool (absent on PGlite, which has one in-process session and no pool). */
  pool?: PoolStats | undefined;
  log?: Logger;
  /** Node.js process metrics (`process_*`, `nodejs_*`); default true. */
  defaultMetrics?: boolean;
}

/** The agents' ingest endpoint: its requests also feed the ingest metrics. */
export const INGEST_ROUTE = { method: 'POST', path: '/agent/v1/samples' } as const;

/** The collector's Prometheus metrics: one registry per app, never prom-client's global one. */
export interface CollectorMetrics {
  readonly registry: Registry;
  /** An HTTP request answered; `route` is the matched pattern (`/api/v1/monitors/:id`), never the URL. */
  observeHttpRequest(method: string, route: string, status: number, seconds: number): void;
  /**
   * Rows stored by one batch (agent or SSH) and restarts among them: pass to the sample store's
   * hooks (`onSamplesStored`), see {@link metricsHooks}.
   */
  observeStoredRows(rows: readonly StoredRow[]): void;
  /** Pass as the job scheduler's `onRun`. */
  observeJobRun(result: JobRunResult): void;
  /** Reports this pg pool's connections (procwatch_db_pool_connections). */
  watchPool(pool: PoolStats): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

const PROCESS_LABELS = ['host', 'monitor', 'type', 'account', 'monitor_id'] as const;
const MB = 1024 * 1024;

/** Builds the registry and its metrics; per-monitor and database values are read at scrape time. */
export function createCollectorMetrics(options: CollectorMetricsOptions): CollectorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const snapshot = createSnapshotReader(options.db, { log: options.log });
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'procwatch_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'procwatch_http_request_duration_seconds',
    help: 'HTTP request duration, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const ingestBatches = new Counter({
    name: 'procwatch_ingest_batches_total',
    help: 'Sample batches posted by agents, by outcome (ok; rejected: 4xx; error: 5xx).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const ingestRows = new Counter({
    name: 'procwatch_ingest_rows_total',
    help: 'ProcessStatus rows stored, by source (AGENT, SSH); a retried sample is stored once.',
    labelNames: ['source'] as const,
    registers,
  });
  const ingestDuration = new Histogram({
    name: 'procwatch_ingest_batch_duration_seconds',
    help: 'Time to answer an accepted batch of samples (validate, store, warning engine).',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5],
    registers,
  });
  const jobRuns = new Counter({
    name: 'procwatch_job_runs_total',
    help: 'Job runs made by this collector, by job and outcome (succeeded, failed).',
    labelNames: ['job', 'outcome'] as const,
    registers,
  });
  const jobDuration = new Histogram({
    name: 'procwatch_job_duration_seconds',
    help: 'Duration of job runs made by this collector.',
    labelNames: ['job'] as const,
    buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers,
  });

  let pool = options.pool;
  new Gauge({
    name: 'procwatch_db_pool_connections',
    help: 'Connections of the PostgreSQL pool: total, idle, and waiting (clients queued for one). Absent on PGlite.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      this.reset();
      if (!pool) return;
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });

  new Gauge({
    name: 'procwatch_database_up',
    help: '1 when the scrape could read the database, else 0 (database values are then missing).',
    registers,
    async collect() {
      this.set((await snapshot()) ? 1 : 0);
    },
  });
  // Held warnings are counted apart, so that an alert rule on the open ones pages as notifications do: once
  // for a dead feed, not once more for every trader that depends on it.
  for (const held of [false, true]) {
    new Gauge({
      name: held ? 'procwatch_warnings_held' : 'procwatch_warnings_open',
      help: held
        ? 'Unresolved warnings held because a dependency of their monitor is down (no notification), by type and status.'
        : 'Unresolved warnings, by type and status (OPEN or ACKNOWLEDGED); those held by a down dependency are in procwatch_warnings_held.',
      labelNames: ['type', 'status'] as const,
      registers,
      async collect() {
        const snap = await snapshot();
        this.reset();
        if (!snap) return;
        // Every type at 0 first, so that an alert on "> 0" has a series to watch.
        for (const type of OPS_WARNING_TYPES) {
          this.set({ type, status: 'OPEN' }, 0);
          this.set({ type, status: 'ACKNOWLEDGED' }, 0);
        }
        for (const w of snap.openWarnings) {
          if (w.held !== held) continue;
          this.inc({ type: w.type, status: w.status }, w.count);
        }
      },
    });
  }
  new Gauge({
    name: 'procwatch_job_last_success_timestamp_seconds',
    help: 'When each job last succeeded on any collector of this database (Unix time).',
    labelNames: ['job'] as const,
    registers,
    async collect() {
      const snap = await snapshot();
      this.reset();
      for (const [job, at] of snap?.lastJobSuccess ?? []) this.set({ job }, at.getTime() / 1000);
    },
  });
  new Gauge({
    name: 'procwatch_host_last_heartbeat_timestamp_seconds',
    help: 'When the agent of each active host last reported (Unix time).',
    labelNames: ['host'] as const,
    registers,
    async collect() {
      const snap = await snapshot();
      this.reset();
      for (const h of snap?.hosts ?? []) {
        if (h.lastHeartbeatAt) this.set({ host: h.host }, h.lastHeartbeatAt.getTime() / 1000);
      }
    },
  });

  // Per-monitor gauges: one series per active monitor, labels from the monitor's configuration.
  const perMonitor = (name: string, help: string, value: (m: MonitorPoint) => number | null | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: PROCESS_LABELS,
      registers,
      async collect() {
        const snap = await snapshot();
        this.reset();
        for (const m of snap?.monitors ?? []) {
          const v = value(m);
          if (v !== null && v !== undefined && Number.isFinite(v)) this.set(m.labels, v);
        }
      },
    });
  perMonitor(
    'procwatch_process_up',
    '1 when the latest check found the process RUNNING, else 0 (also 0 before its first check).',
    (m) => (m.status === 'RUNNING' ? 1 : 0),
  );
  perMonitor(
    'procwatch_process_cpu_percent',
    'CPU of the process at its latest check (100 = one core).',
    (m) => (m.status === 'RUNNING' ? m.cpuPercent : null),
  );
  perMonitor('procwatch_process_resident_memory_bytes', 'Resident memory (RSS) at the latest check.', (m) =>
    m.status === 'RUNNING' && m.memoryUsedMb !== null ? Math.round(m.memoryUsedMb * MB) : null,
  );
  perMonitor('procwatch_process_memory_percent', 'RSS as a percentage of the host memory.', (m) =>
    m.status === 'RUNNING' ? m.memoryPercent : null,
  );
  perMonitor('procwatch_process_uptime_seconds', 'Uptime of the process at its latest check.', (m) =>
    m.status === 'RUNNING' ? m.uptimeSeconds : null,
  );
  perMonitor(
    'procwatch_process_start_time_seconds',
    'Start time of the process (Unix time): changes() over a range counts its restarts.',
    (m) => (m.status === 'RUNNING' && m.startTime ? m.startTime.getTime() / 1000 : null),
  );
  perMonitor(
    'procwatch_process_last_check_timestamp_seconds',
    'When the process was last checked (Unix time): alert when it falls behind.',
    (m) => (m.checkedAt ? m.checkedAt.getTime() / 1000 : null),
  );

  const restarts = new Map<number, number>();
  // Latest start time seen per monitor: bounded by the monitors, like the labels.
  const startTimes = new Map<number, number>();
  new Counter({
    name: 'procwatch_process_restarts_total',
    help: 'Restarts (a later start time while running) in the samples this collector stored since it started.',
    labelNames: PROCESS_LABELS,
    registers,
    async collect() {
      this.reset();
      if (restarts.size === 0) return;
      const snap = await snapshot();
      for (const m of snap?.monitors ?? []) {
        const n = restarts.get(m.monitorId);
        if (n) this.inc(m.labels, n);
      }
    },
  });

  return {
    registry,
    observeHttpRequest(method, route, status, seconds) {
      httpRequests.inc({ method, route, status: String(status) });
      httpDuration.observe({ method, route }, seconds);
      if (method !== INGEST_ROUTE.method || route !== INGEST_ROUTE.path) return;
      const outcome = status < 400 ? 'ok' : status < 500 ? 'rejected' : 'error';
      ingestBatches.inc({ outcome });
      if (outcome === 'ok') ingestDuration.observe(seconds);
    },
    observeStoredRows(rows) {
      for (const row of rows) {
        ingestRows.inc({ source: row.source });
        if (row.status !== 'RUNNING' || !row.start_time) continue;
        const started = new Date(row.start_time).getTime();
        const previous = startTimes.get(row.processMonitorId);
        // Only a later start time is a restart: a replayed old sample must not count as one.
        if (previous !== undefined && started <= previous) continue;
        if (previous !== undefined)
          restarts.set(row.processMonitorId, (restarts.get(row.processMonitorId) ?? 0) + 1);
        startTimes.set(row.processMonitorId, started);
      }
    },
    observeJobRun(result) {
      if (result.outcome === 'skipped') return;
      jobRuns.inc({ job: result.job, outcome: result.outcome });
      if (result.durationMs !== undefined) jobDuration.observe({ job: result.job }, result.durationMs / 1000);
    },
    watchPool(next) {
      pool = next;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
