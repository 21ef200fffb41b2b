import type { Kysely } from 'kysely';
import type { CollectorConfig } from '../config.ts';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import type { Job } from './job.ts';
import { createPartitionJob } from './partition-job.ts';
import { createRetentionJob } from './retention-job.ts';

/** The storage jobs every collector runs: day partitions ahead, retention behind. */
export function createMaintenanceJobs(deps: {
  db: Kysely<Database>;
  log: Logger;
  config: Pick<CollectorConfig, 'retentionDays' | 'warningRetentionDays'>;
}): Job[] {
  return [
    createPartitionJob({ db: deps.db, log: deps.log }),
    createRetentionJob({
      db: deps.db,
      log: deps.log,
      statusDays: deps.config.retentionDays,
      warningDays: deps.config.warningRetentionDays,
    }),
  ];
}
