import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createEmptyPostgresDatabase, testBackends } from './support/test-database.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

async function npmRunMigrate(env: Record<string, string>) {
  const { stdout } = await run('npm', ['run', '--silent', 'migrate'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    timeout: 120_000,
  });
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; applied: string[] });
}

async function schemaSnapshot(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, column_default FROM information_schema.columns
       WHERE table_schema = 'public' ORDER BY table_name, column_name`,
    );
    const indexes = await client.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
    );
    return JSON.stringify([columns.rows, indexes.rows]);
  } finally {
    await client.end();
  }
}

describe('npm run migrate', () => {
  it.runIf(testBackends().includes('postgres'))(
    'migrates an empty PostgreSQL database and changes nothing the second time',
    async () => {
      const { url, drop } = await createEmptyPostgresDatabase();
      try {
        const first = await npmRunMigrate({ DATABASE_URL: url });
        expect(first.at(-1)?.applied.length).toBeGreaterThan(0);
        const before = await schemaSnapshot(url);
        const second = await npmRunMigrate({ DATABASE_URL: url });
        expect(second.at(-1)).toMatchObject({ msg: 'database is up to date', applied: [] });
        expect(await schemaSnapshot(url)).toBe(before);
      } finally {
        await drop();
      }
    },
  );

  it.runIf(testBackends().includes('pglite'))('migrates embedded PGlite in the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procwatch-migrate-'));
    try {
      const first = await npmRunMigrate({ PROCWATCH_DATA_DIR: dir, DATABASE_URL: '' });
      expect(first.at(-1)?.applied.length).toBeGreaterThan(0);
      const second = await npmRunMigrate({ PROCWATCH_DATA_DIR: dir, DATABASE_URL: '' });
      expect(second.at(-1)).toMatchObject({ msg: 'database is up to date', applied: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
