import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { isAgentSilent } from '../ssh/sweep-selection.ts';
import type { CommandBus } from './command-bus.ts';

/** What announcing a config change needs (the collector's AppDeps fit). */
export interface ConfigChangeDeps {
  readonly db: Kysely<Database>;
  readonly commands: Pick<CommandBus, 'enqueue'>;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/**
 * Tells the agents of these hosts that their config changed (a `refresh_config` command), so that a new
 * monitor, a changed pattern or a new dependency applies within a second instead of at the next periodic
 * fetch (a minute by default). Only agents heard from recently: an offline agent fetches its config when it
 * is back. One pending command per host is enough, however many changes come. Never fails the caller: the
 * periodic fetch stays the fallback.
 */
export async function announceConfigChange(
  deps: ConfigChangeDeps,
  hostIds: readonly number[],
): Promise<void> {
  const ids = [...new Set(hostIds)];
  if (ids.length === 0) return;
  try {
    const now = deps.clock();
    const hosts = await deps.db
      .selectFrom('HostServer as h')
      .select(['h.id', 'h.heartbeat_timeout_seconds', 'h.last_heartbeat_at'])
      .where('h.id', 'in', ids)
      .where('h.active', '=', true)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('AgentCommand as c')
              .select('c.id')
              .whereRef('c.hostServerId', '=', 'h.id')
              .where('c.kind', '=', 'refresh_config')
              .where('c.delivered_at', 'is', null)
              .where('c.expires_at', '>', now),
          ),
        ),
      )
      .execute();
    for (const host of hosts) {
      if (!isAgentSilent(host, now)) await deps.commands.enqueue(host.id, { kind: 'refresh_config' });
    }
  } catch (error) {
    deps.logger.warn(
      { err: error, hostIds: ids },
      'config change not announced; agents pick it up at their next fetch',
    );
  }
}
