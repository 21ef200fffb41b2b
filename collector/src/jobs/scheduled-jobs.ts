import type { CollectorJob } from '../collector-extension.ts';
import type { AppDeps } from '../http/app-deps.ts';
import { collectorMetricsFor } from '../metrics/collector-metrics-for.ts';
import type { Job } from './job.ts';
import { createJobScheduler } from './job-scheduler.ts';

/**
 * Runs `jobs` once per period across every collector on the database, as one background task of
 * this collector (with its clock, logger and job metrics). For an extension's `jobs`:
 *
 *   setup: (deps) => ({ jobs: [scheduledJobs(deps, 'sweep', [defineJob({ name: 'ssh-sweep', periodMs, run })])] })
 */
export function scheduledJobs(deps: AppDeps, name: string, jobs: readonly Job[]): CollectorJob {
  const scheduler = createJobScheduler({
    db: deps.db,
    jobs,
    log: deps.logger.child({ component: 'jobs', scheduler: name }),
    clock: deps.clock,
    onRun: collectorMetricsFor(deps).observeJobRun,
  });
  return { name, run: (signal) => scheduler.run(signal) };
}
