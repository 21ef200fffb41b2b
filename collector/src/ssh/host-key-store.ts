import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { type HostKeyVerdict, hostKeyText, parseHostKeyPin, verifyHostKey } from './host-key.ts';

/**
 * Trust on first use: stores the presented key as the host's pin unless one is already stored,
 * then judges the key against whatever is stored now. Two collectors meeting the host at once
 * store one key; the loser is judged against the winner's pin, so a second, different key is
 * refused even then.
 */
export async function trustOnFirstUse(
  db: Kysely<Database>,
  hostId: number,
  presented: Buffer,
  hostLabel: string,
): Promise<HostKeyVerdict> {
  await db
    .updateTable('HostServer')
    .set({ ssh_host_key: hostKeyText(presented), updatedAt: new Date() })
    .where('id', '=', hostId)
    .where('ssh_host_key', 'is', null)
    .where('ssh_host_key_policy', '=', 'TOFU')
    .execute();
  const row = await db
    .selectFrom('HostServer')
    .select(['ssh_host_key'])
    .where('id', '=', hostId)
    .executeTakeFirst();
  if (!row?.ssh_host_key) throw new Error(`host ${hostLabel} has no stored host key and is not set to TOFU`);
  return verifyHostKey(parseHostKeyPin(row.ssh_host_key), presented, hostLabel);
}
