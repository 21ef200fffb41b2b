import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { matchesHash, randomToken, sha256Hex } from './secrets.ts';

/** Setting key of the admin token's SHA-256. */
export const ADMIN_TOKEN_SETTING = 'admin_token_sha256';

/** What {@link ensureAdminToken} did. */
export interface AdminTokenSetup {
  /** A token generated now (print it once, never log it); undefined when one existed or was configured. */
  readonly generated: string | undefined;
  readonly source: 'configured' | 'stored' | 'generated';
}

/** Makes a new admin token. */
export function generateAdminToken(): string {
  return `pwadm_${randomToken(32)}`;
}

/**
 * Makes sure an admin token hash is stored. A configured token (PROCWATCH_ADMIN_TOKEN) wins and
 * replaces the stored hash; else an existing hash stays; else a new token is generated. Collectors
 * starting together on an empty database agree: the first insert wins, the others read it.
 */
export async function ensureAdminToken(
  db: Kysely<Database>,
  configured: string | undefined,
): Promise<AdminTokenSetup> {
  if (configured !== undefined) {
    await storeAdminTokenHash(db, sha256Hex(configured));
    return { generated: undefined, source: 'configured' };
  }
  const token = generateAdminToken();
  const inserted = await db
    .insertInto('Setting')
    .values({ key: ADMIN_TOKEN_SETTING, value: sha256Hex(token) })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('key')
    .executeTakeFirst();
  return inserted ? { generated: token, source: 'generated' } : { generated: undefined, source: 'stored' };
}

/** Replaces the stored admin token hash (rotation, or a configured token). */
export async function storeAdminTokenHash(db: Kysely<Database>, hash: string): Promise<void> {
  await db
    .insertInto('Setting')
    .values({ key: ADMIN_TOKEN_SETTING, value: hash })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: hash, updatedAt: new Date() }))
    .execute();
}

/**
 * Checks admin tokens against the stored hash. The hash is cached briefly so that a busy admin API
 * does not read it per request, yet a rotation on another collector takes effect within `ttlMs`.
 */
export class AdminTokenVerifier {
  #hash: string | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ttlMs = 5_000,
  ) {}

  async verify(token: string): Promise<boolean> {
    const now = performance.now();
    if (this.#hash === undefined || now - this.#fetchedAt > this.ttlMs) {
      const row = await this.db
        .selectFrom('Setting')
        .select('value')
        .where('key', '=', ADMIN_TOKEN_SETTING)
        .executeTakeFirst();
      this.#hash = row?.value;
      this.#fetchedAt = now;
    }
    return this.#hash !== undefined && matchesHash(token, this.#hash);
  }

  /** Drops the cached hash (after a rotation on this collector). */
  invalidate(): void {
    this.#hash = undefined;
  }
}
