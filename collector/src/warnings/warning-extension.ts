import { compileCalendar } from '@procwatch/shared';
import type { CollectorExtension } from '../collector-extension.ts';
import { createWarningService } from './warning-service.ts';

/**
 * The warning engine in a collector: samples and heartbeats through the ingest hooks, notification delivery,
 * window catch-up, AGENT_OFFLINE and reminders as jobs.
 */
export const warningExtension: CollectorExtension = {
  name: 'warnings',
  setup(deps) {
    const service = createWarningService({
      db: deps.db,
      logger: deps.logger,
      calendar: compileCalendar(deps.config.calendar),
      settings: deps.config.warnings,
      clock: deps.clock,
    });
    return { hooks: service.hooks, jobs: service.loops, close: () => service.close() };
  },
};
