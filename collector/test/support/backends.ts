/** The storage backends a test run covers: PROCWATCH_TEST_BACKENDS=pglite,postgres (default pglite). */
export type Backend = 'pglite' | 'postgres';

export function testBackends(): Backend[] {
  const raw = process.env.PROCWATCH_TEST_BACKENDS ?? 'pglite';
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const b of list) {
    if (b !== 'pglite' && b !== 'postgres') throw new Error(`PROCWATCH_TEST_BACKENDS: unknown backend ${b}`);
  }
  return list as Backend[];
}

/** The PostgreSQL server tests use (CI starts it). */
export function testPostgresUrl(): string {
  return process.env.PROCWATCH_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}
