import type { Dispatcher, Pool as UndiciPool } from 'undici';
// undici's index loads fetch, WebSocket, caches and mocks too: ~10 MB of RSS the agent never uses
// (measured in agent/bench). The Pool and `request` are all it needs; undici has no "exports" map,
// so these subpaths are public to bundlers and node alike. The index would also attach `request` to
// Dispatcher.prototype; we call it explicitly instead.
import requestFunction from 'undici/lib/api/api-request.js';
import PoolClass from 'undici/lib/dispatcher/pool.js';

/** undici's Pool, loaded without the rest of undici. */
export const Pool = PoolClass as unknown as typeof UndiciPool;
/** An undici Pool. */
export type Pool = UndiciPool;

/** `dispatcher.request(options)` of undici, for a Pool loaded without undici's index. */
export function poolRequest(
  pool: Pool,
  options: Dispatcher.RequestOptions,
): Promise<Dispatcher.ResponseData> {
  return (
    requestFunction as (this: Pool, o: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>
  ).call(pool, options);
}
