import type { CollectorExtension } from '../collector-extension.ts';
import { createMaintenanceJobs } from './maintenance-jobs.ts';
import { scheduledJobs } from './scheduled-jobs.ts';

/** Storage upkeep on every collector: day partitions ahead, retention behind, each once per period. */
export const maintenanceExtension: CollectorExtension = {
  name: 'maintenance',
  setup: (deps) => ({
    jobs: [
      scheduledJobs(
        deps,
        'maintenance',
        createMaintenanceJobs({ db: deps.db, log: deps.logger, config: deps.config }),
      ),
    ],
  }),
};
