import type { Heartbeat } from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Stores a heartbeat on the host: its time (the collector's clock) and what the agent reported. */
export async function recordHeartbeat(
  db: Kysely<Database>,
  hostServerId: number,
  heartbeat: Heartbeat,
  at: Date,
): Promise<void> {
  await db
    .updateTable('HostServer')
    .set({
      last_heartbeat_at: at,
      agent_version: heartbeat.agent_version,
      agent_started_at: new Date(heartbeat.started_at),
      agent_spool_depth: heartbeat.spool_depth,
      agent_last_seq: heartbeat.last_seq,
    })
    .where('id', '=', hostServerId)
    .execute();
}
