import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.ts';
import * as m0002 from './0002-warning-types.ts';
import * as m0003 from './0003-settings-agent-commands.ts';
import * as m0004 from './0004-warnings.ts';
import * as m0005 from './0005-ssh-sweep-lease.ts';
import * as m0006 from './0006-job-runs.ts';
import * as m0007 from './0007-process-events.ts';
import * as m0008 from './0008-health-probes.ts';
import * as m0009 from './0009-log-tails.ts';
import * as m0010 from './0010-monitor-dependencies.ts';
import * as m0011 from './0011-restart-deferred.ts';
import * as m0012 from './0012-retention-indexes.ts';
import * as m0013 from './0013-agent-command-results.ts';

// In-code provider: a file-based provider uses dynamic import and breaks once bundled.
// Names are zero-padded so that their order is their name order.
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-warning-types': m0002,
  '0003-settings-agent-commands': m0003,
  '0004-warnings': m0004,
  '0005-ssh-sweep-lease': m0005,
  '0006-job-runs': m0006,
  '0007-process-events': m0007,
  '0008-health-probes': m0008,
  '0009-log-tails': m0009,
  '0010-monitor-dependencies': m0010,
  '0011-restart-deferred': m0011,
  '0012-retention-indexes': m0012,
  '0013-agent-command-results': m0013,
};

/** The collector's migrations, in order. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
