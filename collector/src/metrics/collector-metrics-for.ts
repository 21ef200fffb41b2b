import type { AppDeps } from '../http/app-deps.ts';
import type { CollectorHooks } from '../ingest/hooks.ts';
import { type CollectorMetrics, createCollectorMetrics } from './collector-metrics.ts';

// One registry per collector (per AppDeps), made on first use: the route module, its middleware,
// the ingest hook and the job scheduler of one collector all reach the same one, and tests that
// build several apps get several registries, never prom-client's global one.
const byDeps = new WeakMap<AppDeps, CollectorMetrics>();

/** The metrics of the collector that `deps` belongs to. */
export function collectorMetricsFor(deps: AppDeps): CollectorMetrics {
  let metrics = byDeps.get(deps);
  if (!metrics) {
    metrics = createCollectorMetrics({ db: deps.db, log: deps.logger.child({ component: 'metrics' }) });
    byDeps.set(deps, metrics);
  }
  return metrics;
}

/** Hooks feeding the ingest metrics (rows stored by source, restarts): add them to the collector's hooks. */
export function metricsHooks(metrics: CollectorMetrics): CollectorHooks {
  return {
    onSamplesStored: async (stored) => metrics.observeStoredRows(stored),
  };
}
