import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { pgArray } from '../ingest/pg-array.ts';

// Claims on hosts in "SshSweepLease" (migration 0005). Raw SQL: the table belongs to the SSH
// fallback alone, and the claim is one conditional upsert that Kysely's builder would only obscure.

/** One host to claim and how long until it is due again. */
export interface SweepClaim {
  readonly hostId: number;
  readonly periodMs: number;
}

/**
 * Claims the hosts that nobody swept within their period and nobody is sweeping now; returns the
 * ids won. Safe across collectors: a concurrent claimer waits for the row lock, then finds the
 * condition false.
 */
export async function claimSweeps(
  db: Kysely<Database>,
  claims: readonly SweepClaim[],
  options: { owner: string; now: Date; leaseMs: number },
): Promise<Set<number>> {
  if (claims.length === 0) return new Set();
  const { owner, now, leaseMs } = options;
  const ids = pgArray(claims.map((c) => c.hostId));
  const dueAt = pgArray(claims.map((c) => new Date(now.getTime() + c.periodMs).toISOString()));
  const leaseUntil = new Date(now.getTime() + leaseMs);
  const result = await sql<{ hostServerId: number }>`
    INSERT INTO "SshSweepLease" ("hostServerId", claimed_by, lease_until, next_due_at, last_started_at)
    SELECT c.id, ${owner}, ${leaseUntil}, c.due, ${now}
    FROM unnest(${ids}::int4[], ${dueAt}::timestamptz[]) AS c(id, due)
    WHERE EXISTS (SELECT 1 FROM "HostServer" h WHERE h.id = c.id)
    ON CONFLICT ("hostServerId") DO UPDATE SET
      claimed_by = excluded.claimed_by,
      lease_until = excluded.lease_until,
      next_due_at = excluded.next_due_at,
      last_started_at = excluded.last_started_at,
      sweeps = "SshSweepLease".sweeps + 1
    WHERE "SshSweepLease".next_due_at <= ${now} AND "SshSweepLease".lease_until <= ${now}
    RETURNING "hostServerId"`.execute(db);
  return new Set(result.rows.map((r) => r.hostServerId));
}

/** Ends our lease on a host (the period's next_due_at still holds) and records how the sweep went. */
export async function releaseSweep(
  db: Kysely<Database>,
  hostId: number,
  options: { owner: string; finishedAt: Date; error: string | null },
): Promise<void> {
  await sql`
    UPDATE "SshSweepLease"
    SET lease_until = ${options.finishedAt}, last_finished_at = ${options.finishedAt}, last_error = ${options.error}
    WHERE "hostServerId" = ${hostId} AND claimed_by = ${options.owner}`.execute(db);
}

/** Hosts whose next sweep is not due yet (to skip loading their monitors). */
export async function hostsNotDue(db: Kysely<Database>, now: Date): Promise<Set<number>> {
  const result = await sql<{ hostServerId: number }>`
    SELECT "hostServerId" FROM "SshSweepLease" WHERE next_due_at > ${now} OR lease_until > ${now}`.execute(
    db,
  );
  return new Set(result.rows.map((r) => r.hostServerId));
}
