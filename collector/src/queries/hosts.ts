import type { Host, HostCreate, HostUpdate, HostWithToken } from '@procwatch/shared';
import type { Kysely } from 'kysely';
import { generateAgentToken } from '../auth/agent-token.ts';
import type { Database, HostServer } from '../db/schema.ts';
import { iso, isoOrNull } from './iso.ts';

/** A HostServer row as the API shows it; `now` decides agent_online. */
export function hostDto(row: HostServer, now: Date): Host {
  const last = row.last_heartbeat_at;
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    ssh_port: row.ssh_port,
    ssh_user: row.ssh_user,
    ssh_host_key: row.ssh_host_key,
    ssh_host_key_policy: row.ssh_host_key_policy,
    heartbeat_timeout_seconds: row.heartbeat_timeout_seconds,
    active: row.active,
    remark: row.remark,
    agent_token_id: row.agent_token_id,
    last_heartbeat_at: isoOrNull(last),
    agent_version: row.agent_version,
    agent_started_at: isoOrNull(row.agent_started_at),
    agent_spool_depth: row.agent_spool_depth,
    agent_last_seq: row.agent_last_seq,
    agent_online: last !== null && now.getTime() - last.getTime() < row.heartbeat_timeout_seconds * 1000,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** Every host, by name. */
export async function listHosts(db: Kysely<Database>): Promise<HostServer[]> {
  return db.selectFrom('HostServer').selectAll().orderBy('name').orderBy('id').execute();
}

/** One host, or undefined. */
export async function findHost(db: Kysely<Database>, id: number): Promise<HostServer | undefined> {
  return db.selectFrom('HostServer').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Creates a host with a fresh agent token; the token is in the answer only. */
export async function createHost(db: Kysely<Database>, input: HostCreate, now: Date): Promise<HostWithToken> {
  const token = generateAgentToken();
  const row = await db
    .insertInto('HostServer')
    .values({
      ...input,
      agent_token_id: token.tokenId,
      agent_token_hash: token.secretHash,
      createdAt: now,
      updatedAt: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...hostDto(row, now), agent_token: token.token };
}

/** Applies an update; undefined when the host does not exist. */
export async function updateHost(
  db: Kysely<Database>,
  id: number,
  input: HostUpdate,
  now: Date,
): Promise<HostServer | undefined> {
  return db
    .updateTable('HostServer')
    .set({ ...input, updatedAt: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Replaces a host's agent token (the old one stops working at once); undefined when no such host. */
export async function rotateAgentToken(
  db: Kysely<Database>,
  id: number,
  now: Date,
): Promise<HostWithToken | undefined> {
  const token = generateAgentToken();
  const row = await db
    .updateTable('HostServer')
    .set({ agent_token_id: token.tokenId, agent_token_hash: token.secretHash, updatedAt: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row ? { ...hostDto(row, now), agent_token: token.token } : undefined;
}

/** How many monitors a host has. */
export async function countHostMonitors(db: Kysely<Database>, id: number): Promise<number> {
  const row = await db
    .selectFrom('ProcessMonitor')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('hostServerId', '=', id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deletes a host; false when it did not exist. */
export async function deleteHost(db: Kysely<Database>, id: number): Promise<boolean> {
  const result = await db.deleteFrom('HostServer').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
