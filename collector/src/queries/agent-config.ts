import {
  AGENT_PROTOCOL_VERSION,
  type AgentConfig,
  type AgentSettings,
  type TradingCalendar,
} from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isoOrNull } from './iso.ts';
import { dependsOnOf } from './monitor-dependencies.ts';

/** The configuration an agent runs by: its host's active monitors, agent settings and the calendar. */
export async function agentConfigFor(
  db: Kysely<Database>,
  host: { id: number; name: string },
  settings: AgentSettings,
  calendar: TradingCalendar,
): Promise<AgentConfig> {
  const monitors = await db
    .selectFrom('ProcessMonitor')
    .select([
      'id',
      'name',
      'process_type',
      'fundAccountId',
      'process_name',
      'command_pattern',
      'pid_file',
      'check_interval',
      'monitor_start_time',
      'monitor_end_time',
      'restart_action',
      'probe',
      'log_file',
    ])
    .where('hostServerId', '=', host.id)
    .where('active', '=', true)
    .orderBy('id')
    .execute();
  const dependsOn = await dependsOnOf(
    db,
    monitors.map((m) => m.id),
  );
  return {
    protocol: AGENT_PROTOCOL_VERSION,
    host: { id: host.id, name: host.name },
    settings,
    calendar,
    monitors: monitors.map((m) => {
      const ids = dependsOn.get(m.id) ?? [];
      return {
        ...m,
        monitor_start_time: isoOrNull(m.monitor_start_time),
        monitor_end_time: isoOrNull(m.monitor_end_time),
        // Only where there are some: most monitors have none, and the config stays as it was for them.
        ...(ids.length > 0 ? { depends_on: ids } : {}),
      };
    }),
  };
}
