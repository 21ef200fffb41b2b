/** One row of the suite's summary: what a fault did to the samples. */
export interface FaultRow {
  readonly fault: string;
  /** Samples the agents produced (their spool sequence numbers); null when not a sampling scenario. */
  readonly produced: number | null;
  /** Of those, stored in ProcessStatus. */
  readonly stored: number | null;
  /** Produced, neither stored nor dropped on purpose with a counted loss. */
  readonly lost: number | null;
  /** Rows stored more than once (same sample id). */
  readonly duplicated: number | null;
  /** Answers ≥ 500 other than the documented 503 "database unavailable, retry" while the fault lasts. */
  readonly serverErrors: number;
  /** Whether the scenario's assertions passed. */
  readonly passed: boolean;
  readonly notes: string;
}

const HEADERS = ['fault', 'produced', 'stored', 'lost', 'duplicated', '5xx', 'result', 'notes'] as const;

function cells(row: FaultRow): string[] {
  const n = (v: number | null) => (v === null ? '-' : String(v));
  return [
    row.fault,
    n(row.produced),
    n(row.stored),
    n(row.lost),
    n(row.duplicated),
    String(row.serverErrors),
    row.passed ? 'pass' : 'FAIL',
    row.notes,
  ];
}

/** The summary as a plain-text table (numbers right-aligned). */
export function formatFaultTable(rows: readonly FaultRow[]): string {
  const table = [HEADERS.slice(), ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const numeric = new Set([1, 2, 3, 4, 5]);
  const line = (r: string[]) =>
    r
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [line(table[0]!), rule, ...table.slice(1).map(line)].join('\n');
}
