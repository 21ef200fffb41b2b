import type { PostgresServer } from './postgres-server.ts';

/** What the collector's database holds of one host's agent samples. */
export interface HostLedger {
  /** ProcessStatus rows from the agent. */
  readonly rows: number;
  readonly distinctSampleIds: number;
  readonly distinctSeqs: number;
  readonly maxSeq: number;
  /** Seqs in 1..`upTo` with no row (at most 20 listed). */
  readonly missingSeqs: readonly number[];
  readonly missingCount: number;
}

/** Counts a host's agent samples straight from ProcessStatus (not through the API under test). */
export async function hostLedger(
  pg: PostgresServer,
  database: string,
  hostId: number,
  upTo?: number,
): Promise<HostLedger> {
  const [totals] = await pg.query<{ rows: string; ids: string; seqs: string; max: string | null }>(
    database,
    `SELECT count(*) AS rows, count(DISTINCT s.sample_id) AS ids, count(DISTINCT s.seq) AS seqs,
            max(s.seq) AS max
       FROM "ProcessStatus" s JOIN "ProcessMonitor" m ON m.id = s."processMonitorId"
      WHERE m."hostServerId" = $1 AND s.source = 'AGENT'`,
    [hostId],
  );
  const maxSeq = Number(totals?.max ?? 0);
  const limit = upTo ?? maxSeq;
  const missing = await pg.query<{ seq: number; total: string }>(
    database,
    `WITH gaps AS (
       SELECT g AS seq FROM generate_series(1, $2::int) g
       EXCEPT
       SELECT s.seq FROM "ProcessStatus" s JOIN "ProcessMonitor" m ON m.id = s."processMonitorId"
        WHERE m."hostServerId" = $1 AND s.source = 'AGENT')
     SELECT seq, count(*) OVER () AS total FROM gaps ORDER BY seq LIMIT 20`,
    [hostId, limit],
  );
  return {
    rows: Number(totals?.rows ?? 0),
    distinctSampleIds: Number(totals?.ids ?? 0),
    distinctSeqs: Number(totals?.seqs ?? 0),
    maxSeq,
    missingSeqs: missing.map((r) => r.seq),
    missingCount: Number(missing[0]?.total ?? 0),
  };
}

/** Agent samples of the given hosts stored so far (rows). */
export async function storedRows(pg: PostgresServer, database: string, hostIds: readonly number[]) {
  const [row] = await pg.query<{ n: string }>(
    database,
    `SELECT count(*) AS n FROM "ProcessStatus" s JOIN "ProcessMonitor" m ON m.id = s."processMonitorId"
      WHERE m."hostServerId" = ANY($1::int[]) AND s.source = 'AGENT'`,
    [hostIds],
  );
  return Number(row?.n ?? 0);
}

/** Warnings raised about the given hosts or their monitors ("type: title"), oldest first. */
export async function warningsAbout(
  pg: PostgresServer,
  database: string,
  hostIds: readonly number[],
): Promise<string[]> {
  const rows = await pg.query<{ type: string; title: string }>(
    database,
    `SELECT w.type::text AS type, w.title FROM "OpsWarning" w
      LEFT JOIN "ProcessMonitor" m ON m.id = w."processMonitorId"
      WHERE w."hostServerId" = ANY($1::int[]) OR m."hostServerId" = ANY($1::int[])
      ORDER BY w.id`,
    [hostIds],
  );
  return rows.map((r) => `${r.type}: ${r.title}`);
}
