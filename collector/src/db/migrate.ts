import { type Kysely, Migrator } from 'kysely';
import { migrationProvider } from './migrations/index.ts';
import { ensureStatusPartitions, partitionDaysAround } from './partitions.ts';
import type { Database } from './schema.ts';

/** Days of ProcessStatus partitions kept ready on either side of today. */
export const PARTITIONS_BEHIND_DAYS = 2;
export const PARTITIONS_AHEAD_DAYS = 7;

/** Outcome of {@link migrateToLatest}. */
export interface MigrationSummary {
  applied: string[];
  partitionsCreated: string[];
}

/**
 * Applies pending migrations (a no-op when up to date; Kysely's PostgreSQL adapter takes an
 * advisory lock, so several collectors may start at once) and makes the day partitions around `now`.
 */
export async function migrateToLatest(db: Kysely<Database>, now = new Date()): Promise<MigrationSummary> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  const partitionsCreated = await ensureStatusPartitions(
    db,
    partitionDaysAround(now, PARTITIONS_BEHIND_DAYS, PARTITIONS_AHEAD_DAYS),
  );
  return { applied, partitionsCreated };
}
