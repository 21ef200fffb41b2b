/**
 * A PostgreSQL array literal (`{"a","b",NULL}`) of the values, passed as one text parameter and
 * cast in SQL (`$1::int4[]`). pg would serialise JS arrays itself, but PGlite does not; a literal
 * behaves the same on both. Strings are always quoted, so commas, braces and quotes are data;
 * numbers and booleans need no quotes.
 */
export function pgArray(values: readonly (string | number | boolean | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i += 1) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'string') {
      out += v.includes('"') || v.includes('\\') ? `"${v.replace(/[\\"]/g, '\\$&')}"` : `"${v}"`;
    } else out += String(v);
  }
  return `${out}}`;
}
