import type { PostgresServer } from '../support/postgres-server.ts';
import type { FaultRow } from '../support/results-table.ts';
import type { SuiteContext } from '../support/suite-context.ts';

/** What every scenario gets. */
export interface SystemEnv {
  readonly ctx: SuiteContext;
  /** The suite's own PostgreSQL (never the machine's shared one). */
  readonly pg: PostgresServer;
  /** Adds the scenario's row to the summary table (call it before asserting, so a failure shows). */
  record(row: FaultRow): void;
}

/** Sum of a list. */
export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
