import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { ensureStatusPartitions, listStatusPartitions, partitionDay } from '../src/db/partitions.ts';
import { DataDirLockedError } from '../src/db/pglite-lock.ts';
import { openTestDatabase, testBackends } from './support/test-database.ts';

// The design note's Prisma models, field by field, with the PostgreSQL type each maps to.
const SEED_PROCESS_MONITOR: Record<string, string> = {
  id: 'integer',
  name: 'text',
  process_type: 'ProcessType',
  hostServerId: 'integer',
  fundAccountId: 'text',
  process_name: 'text',
  command_pattern: 'text',
  pid_file: 'text',
  active: 'boolean',
  check_interval: 'integer',
  monitor_start_time: 'timestamp with time zone',
  monitor_end_time: 'timestamp with time zone',
  remark: 'text',
  createdAt: 'timestamp with time zone',
  updatedAt: 'timestamp with time zone',
};
const SEED_PROCESS_STATUS: Record<string, string> = {
  id: 'bigint',
  processMonitorId: 'integer',
  status: 'ProcessStatusType',
  pid: 'integer',
  cpu_percent: 'double precision',
  memory_percent: 'double precision',
  memory_used_mb: 'double precision',
  uptime_seconds: 'integer',
  start_time: 'timestamp with time zone',
  trade_day: 'text',
  checked_at: 'timestamp with time zone',
  check_duration_ms: 'integer',
  error_message: 'text',
  createdAt: 'timestamp with time zone',
};

async function columnsOf(database: DatabaseHandle, table: string) {
  const result = await sql<{
    column_name: string;
    data_type: string;
    udt_name: string;
    column_default: string | null;
  }>`
    SELECT column_name, data_type, udt_name, column_default FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = ${table}`.execute(database.db);
  return new Map(
    result.rows.map((r) => [
      r.column_name,
      { type: r.data_type === 'USER-DEFINED' ? r.udt_name : r.data_type, default: r.column_default },
    ]),
  );
}

async function enumValues(database: DatabaseHandle, typeName: string): Promise<string[]> {
  const result = await sql<{ label: string }>`
    SELECT e.enumlabel AS label FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
    WHERE t.typname = ${typeName} ORDER BY e.enumsortorder`.execute(database.db);
  return result.rows.map((r) => r.label);
}

async function indexDefinitions(database: DatabaseHandle, table: string): Promise<string[]> {
  const result = await sql<{ indexdef: string }>`
    SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ${table}`.execute(
    database.db,
  );
  return result.rows.map((r) => r.indexdef);
}

describe.each(testBackends())('storage on %s', (backend) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(() => database?.close());

  it('has every field of the seed ProcessMonitor model under its own name and type', async () => {
    const columns = await columnsOf(database, 'ProcessMonitor');
    for (const [name, type] of Object.entries(SEED_PROCESS_MONITOR)) {
      expect(columns.get(name)?.type, name).toBe(type);
    }
    expect(columns.get('active')?.default).toBe('true');
    expect(columns.get('check_interval')?.default).toBe('60');
    expect(columns.get('createdAt')?.default).toBe('now()');
  });

  it('has every field of the seed ProcessStatus model under its own name and type', async () => {
    const columns = await columnsOf(database, 'ProcessStatus');
    for (const [name, type] of Object.entries(SEED_PROCESS_STATUS)) {
      expect(columns.get(name)?.type, name).toBe(type);
    }
    expect(columns.get('checked_at')?.default).toBe('now()');
  });

  it('has the seed enum types with their values', async () => {
    expect(await enumValues(database, 'ProcessType')).toEqual(['TRADER', 'QUOTE', 'COMMUNICATION', 'CUSTOM']);
    expect(await enumValues(database, 'ProcessStatusType')).toEqual([
      'RUNNING',
      'STOPPED',
      'ERROR',
      'NOT_FOUND',
    ]);
    expect(await enumValues(database, 'OpsWarningType')).toEqual(
      expect.arrayContaining([
        'PROCESS_NOT_RUNNING',
        'PROCESS_CRASHED',
        'PROCESS_HIGH_CPU',
        'PROCESS_HIGH_MEMORY',
        'PROCESS_CHECK_FAILED',
      ]),
    );
  });

  it('has the seed unique constraint and indexes, DESC included', async () => {
    const monitorIndexes = await indexDefinitions(database, 'ProcessMonitor');
    expect(monitorIndexes).toContainEqual(
      expect.stringMatching(/UNIQUE INDEX .* \("hostServerId", "fundAccountId", process_type\)/),
    );
    expect(monitorIndexes).toContainEqual(expect.stringMatching(/INDEX .* \("hostServerId", active\)/));
    const statusIndexes = await indexDefinitions(database, 'ProcessStatus');
    expect(statusIndexes).toContainEqual(expect.stringMatching(/\("processMonitorId", checked_at DESC\)/));
    expect(statusIndexes).toContainEqual(expect.stringMatching(/\(checked_at DESC\)/));
    expect(statusIndexes).toContainEqual(expect.stringMatching(/\(trade_day, checked_at DESC\)/));
  });

  it('changes nothing when migrated again', async () => {
    const before = await columnsOf(database, 'ProcessStatus');
    const summary = await migrateToLatest(database.db);
    expect(summary.applied).toEqual([]);
    expect(await columnsOf(database, 'ProcessStatus')).toEqual(before);
  });

  it('stores and reads back a status row, with defaults applied and int8 as a number', async () => {
    const host = await database.db
      .insertInto('HostServer')
      .values({ name: `h-${randomUUID()}`, address: '127.0.0.1' })
      .returning(['id', 'ssh_port', 'heartbeat_timeout_seconds'])
      .executeTakeFirstOrThrow();
    expect(host.ssh_port).toBe(22);
    const monitor = await database.db
      .insertInto('ProcessMonitor')
      .values({ name: 'quote', process_type: 'QUOTE', hostServerId: host.id, process_name: 'quote_server' })
      .returning(['id', 'active', 'check_interval', 'createdAt'])
      .executeTakeFirstOrThrow();
    expect(monitor).toMatchObject({ active: true, check_interval: 60 });
    expect(monitor.createdAt).toBeInstanceOf(Date);

    const checkedAt = new Date();
    const row = await database.db
      .insertInto('ProcessStatus')
      .values({
        processMonitorId: monitor.id,
        status: 'RUNNING',
        pid: 4242,
        cpu_percent: 1.5,
        trade_day: '20261130',
        checked_at: checkedAt,
        sample_id: randomUUID(),
        source: 'AGENT',
        seq: 7,
        process_count: 1,
        matches: null,
      })
      .returning(['id', 'seq', 'checked_at'])
      .executeTakeFirstOrThrow();
    expect(typeof row.id).toBe('number');
    expect(row.seq).toBe(7);
    expect(row.checked_at.getTime()).toBe(checkedAt.getTime());
  });

  it('refuses a second unresolved warning of the same key', async () => {
    const values = {
      type: 'PROCESS_CRASHED' as const,
      dedup_key: `monitor:1:PROCESS_CRASHED:${randomUUID()}`,
      title: 't',
      message: 'm',
      details: null,
      first_seen_at: new Date(),
      last_seen_at: new Date(),
    };
    await database.db.insertInto('OpsWarning').values(values).execute();
    await expect(database.db.insertInto('OpsWarning').values(values).execute()).rejects.toThrow(
      /duplicate key/,
    );
  });

  it('creates day partitions ahead and never twice', async () => {
    const far = new Date('2031-05-17T12:00:00Z');
    const created = await ensureStatusPartitions(database.db, [partitionDay(far)]);
    expect(created).toEqual(['ProcessStatus_p20310517']);
    expect(await ensureStatusPartitions(database.db, [partitionDay(far)])).toEqual([]);
    expect(await listStatusPartitions(database.db)).toContain('ProcessStatus_p20310517');
  });
});

describe('embedded PGlite data directory', () => {
  it('refuses a second opener with a clear error instead of corrupting the data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procwatch-lock-'));
    try {
      const first = await createDatabase({ dataDir: dir });
      try {
        await expect(createDatabase({ dataDir: dir })).rejects.toBeInstanceOf(DataDirLockedError);
      } finally {
        await first.close();
      }
      const again = await createDatabase({ dataDir: dir });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
