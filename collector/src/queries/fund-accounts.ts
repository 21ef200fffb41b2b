import type { FundAccountCreate, FundAccount as FundAccountDto, FundAccountUpdate } from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { Database, FundAccount } from '../db/schema.ts';
import { iso } from './iso.ts';

/** A FundAccount row as the API shows it. */
export function fundAccountDto(row: FundAccount): FundAccountDto {
  return {
    account: row.account,
    name: row.name,
    broker: row.broker,
    remark: row.remark,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** Every fund account, by key. */
export async function listFundAccounts(db: Kysely<Database>): Promise<FundAccount[]> {
  return db.selectFrom('FundAccount').selectAll().orderBy('account').execute();
}

/** One fund account, or undefined. */
export async function findFundAccount(
  db: Kysely<Database>,
  account: string,
): Promise<FundAccount | undefined> {
  return db.selectFrom('FundAccount').selectAll().where('account', '=', account).executeTakeFirst();
}

/** Creates a fund account (409 through the primary key when it exists). */
export async function createFundAccount(
  db: Kysely<Database>,
  input: FundAccountCreate,
  now: Date,
): Promise<FundAccount> {
  return db
    .insertInto('FundAccount')
    .values({ ...input, createdAt: now, updatedAt: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Applies an update; undefined when no such account. */
export async function updateFundAccount(
  db: Kysely<Database>,
  account: string,
  input: FundAccountUpdate,
  now: Date,
): Promise<FundAccount | undefined> {
  return db
    .updateTable('FundAccount')
    .set({ ...input, updatedAt: now })
    .where('account', '=', account)
    .returningAll()
    .executeTakeFirst();
}

/** How many monitors refer to a fund account. */
export async function countFundAccountMonitors(db: Kysely<Database>, account: string): Promise<number> {
  const row = await db
    .selectFrom('ProcessMonitor')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('fundAccountId', '=', account)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deletes a fund account; false when it did not exist. */
export async function deleteFundAccount(db: Kysely<Database>, account: string): Promise<boolean> {
  const result = await db.deleteFrom('FundAccount').where('account', '=', account).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
