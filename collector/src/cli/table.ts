/** A column of a terminal table: its heading and how to read a row's cell. */
export interface Column<T> {
  readonly title: string;
  readonly value: (row: T) => string | number | boolean | null | undefined;
  /** Right-align (numbers). */
  readonly right?: boolean;
}

const MAX_CELL = 60;

function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  // One line per row whatever the data holds: control characters (a name cannot hold them, a
  // message might) become spaces, so no cell can move the cursor or forge another row.
  const text = String(value).replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

/** Renders rows as a plain-text table with a header, columns padded to their widest cell. */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (columns[i]?.right ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...cells.map(line)].join('\n');
}
