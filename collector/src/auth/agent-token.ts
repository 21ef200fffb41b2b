import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { matchesHash, randomToken, sha256Hex } from './secrets.ts';

// pwa_<tokenId>_<secret>: the id (hex, so it never contains the separator) finds the host by an
// index, the secret (32 random bytes) proves it. Only sha256(secret) is stored.
const AGENT_TOKEN = /^pwa_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A new agent token and what the database keeps of it. */
export interface NewAgentToken {
  /** Shown to the admin once; never stored or logged. */
  readonly token: string;
  readonly tokenId: string;
  readonly secretHash: string;
}

/** Makes a new random agent token. */
export function generateAgentToken(): NewAgentToken {
  const tokenId = randomBytes(8).toString('hex');
  const secret = randomToken(32);
  return { token: `pwa_${tokenId}_${secret}`, tokenId, secretHash: sha256Hex(secret) };
}

/** The id and secret of a well-formed agent token, or undefined. */
export function parseAgentToken(token: string): { tokenId: string; secret: string } | undefined {
  const match = AGENT_TOKEN.exec(token);
  if (!match) return undefined;
  return { tokenId: match[1]!, secret: match[2]! };
}

// Compared against when no host has the token id, so a miss costs what a hit costs.
const DUMMY_HASH = sha256Hex('procwatch: no such token');

/** The host an agent token belongs to, or undefined for a malformed, unknown or wrong token. */
export async function findHostByAgentToken(
  db: Kysely<Database>,
  token: string,
): Promise<{ id: number; name: string } | undefined> {
  const parsed = parseAgentToken(token);
  if (!parsed) return undefined;
  const host = await db
    .selectFrom('HostServer')
    .select(['id', 'name', 'agent_token_hash'])
    .where('agent_token_id', '=', parsed.tokenId)
    .executeTakeFirst();
  const ok = matchesHash(parsed.secret, host?.agent_token_hash ?? DUMMY_HASH);
  return ok && host ? { id: host.id, name: host.name } : undefined;
}
