import type { CollectorExtension } from '../collector-extension.ts';
import { collectorMetricsFor, metricsHooks } from './collector-metrics-for.ts';

/** Feeds the ingest metrics (rows stored, restarts) from the sample store's hook. */
export const metricsExtension: CollectorExtension = {
  name: 'metrics',
  setup: (deps) => ({ hooks: metricsHooks(collectorMetricsFor(deps)) }),
};
