import { type Kysely, type RawBuilder, sql } from 'kysely';

/** One batched DELETE: which rows of which table, by which key, oldest first by `orderBy`. */
export interface BatchedDelete {
  table: string;
  /** A unique column (the primary key) that names the rows to delete. */
  key: string;
  /** The rows to delete, as an SQL condition. */
  where: RawBuilder<unknown>;
  /** Column the batches follow; an index on it lets each batch stop after `batchSize` rows. */
  orderBy: string;
  batchSize: number;
}

/**
 * Deletes every row matching `where`, at most `batchSize` per statement, so that no statement holds
 * many row locks or writes much WAL at once; checks `signal` before each batch (earlier batches stay
 * deleted). By key through a LIMITed subquery, as PostgreSQL's DELETE has no LIMIT of its own;
 * `= ANY(ARRAY(…))` rather than `IN (…)`: for IN the planner may hash-join the keys against a sequential
 * scan of the whole table (PostgreSQL 15 did, at 300 000 rows: 300 ms a batch instead of 9 ms), for ANY
 * it looks them up in the key's index. Returns how many rows went.
 */
export async function deleteInBatches<DB>(
  db: Kysely<DB>,
  spec: BatchedDelete,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  if (!Number.isInteger(spec.batchSize) || spec.batchSize < 1)
    throw new Error(`batch size must be a positive integer: ${spec.batchSize}`);
  const table = sql.table(spec.table);
  const key = sql.ref(spec.key);
  let deleted = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const result = await sql`
      DELETE FROM ${table} WHERE ${key} = ANY(ARRAY(
        SELECT ${key} FROM ${table} WHERE ${spec.where}
        ORDER BY ${sql.ref(spec.orderBy)} LIMIT ${spec.batchSize}))`.execute(db);
    const n = Number(result.numAffectedRows ?? 0n);
    deleted += n;
    if (n < spec.batchSize) return deleted;
  }
}
