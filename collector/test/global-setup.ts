import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { testBackends, testPostgresUrl } from './support/backends.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplatePath: string;
    postgresTemplateDb: string;
  }
}

// Migrating a fresh PGlite takes seconds and lots of memory: do it once, dump it, and let
// every test file load the dump. On PostgreSQL, a migrated template database plays that role.
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'procwatch-test-'));
  const backends = testBackends();
  let postgresTemplateDb = '';
  let pgliteTemplatePath = '';

  // Always: some suites (real agent end to end, dashboard, CLI) run on embedded PGlite whatever the
  // backend list says, as the quick start does.
  {
    const database = await createDatabase({});
    await migrateToLatest(database.db);
    const dump = await database.pglite!.dumpDataDir('none');
    pgliteTemplatePath = join(dir, 'pglite-template.tar');
    writeFileSync(pgliteTemplatePath, Buffer.from(await dump.arrayBuffer()));
    await database.close();
  }

  if (backends.includes('postgres')) {
    postgresTemplateDb = `procwatch_template_${process.pid}`;
    const admin = new pg.Client({ connectionString: testPostgresUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${postgresTemplateDb}`);
    await admin.query(`CREATE DATABASE ${postgresTemplateDb}`);
    await admin.end();
    const url = new URL(testPostgresUrl());
    url.pathname = `/${postgresTemplateDb}`;
    const database = await createDatabase({ databaseUrl: url.toString(), poolMax: 1 });
    await migrateToLatest(database.db);
    await database.close();
  }

  project.provide('pgliteTemplatePath', pgliteTemplatePath);
  project.provide('postgresTemplateDb', postgresTemplateDb);

  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (postgresTemplateDb) {
      const admin = new pg.Client({ connectionString: testPostgresUrl() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${postgresTemplateDb} WITH (FORCE)`);
      await admin.end();
    }
  };
}
