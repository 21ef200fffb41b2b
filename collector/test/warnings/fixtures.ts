import { randomUUID } from 'node:crypto';
import type { ProcessStatusType } from '@procwatch/shared';
import type { Kysely } from 'kysely';
import pino from 'pino';
import type { Database, NewProcessMonitor } from '../../src/db/schema.ts';
import type { EngineSampleInput } from '../../src/warnings/engine.ts';

/** A logger that writes nowhere. */
export const silentLog = pino({ level: 'silent' });

/** Inserts a host and returns its id. */
export async function createHost(
  db: Kysely<Database>,
  fields: { name?: string; lastHeartbeatAt?: Date | null; timeoutSeconds?: number } = {},
): Promise<number> {
  const row = await db
    .insertInto('HostServer')
    .values({
      name: fields.name ?? `host-${randomUUID().slice(0, 8)}`,
      address: '127.0.0.1',
      last_heartbeat_at: fields.lastHeartbeatAt ?? null,
      ...(fields.timeoutSeconds === undefined ? {} : { heartbeat_timeout_seconds: fields.timeoutSeconds }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Inserts a monitor on `hostServerId` and returns its id. */
export async function createMonitor(
  db: Kysely<Database>,
  hostServerId: number,
  fields: Partial<NewProcessMonitor> = {},
): Promise<number> {
  const row = await db
    .insertInto('ProcessMonitor')
    .values({
      name: `proc-${randomUUID().slice(0, 8)}`,
      process_type: 'CUSTOM',
      hostServerId,
      process_name: 'sleep',
      ...fields,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A stored-sample record for the engine. */
export function sampleOf(
  processMonitorId: number,
  status: ProcessStatusType,
  checkedAt: Date | string,
  extra: Partial<EngineSampleInput> = {},
): EngineSampleInput {
  const running = status === 'RUNNING' || status === 'STOPPED';
  return {
    processMonitorId,
    status,
    pid: running ? 4242 : null,
    start_time: running ? new Date('2026-03-04T00:00:00Z') : null,
    checked_at: checkedAt,
    cpu_percent: status === 'RUNNING' ? 1 : null,
    memory_percent: status === 'RUNNING' ? 1 : null,
    memory_used_mb: status === 'RUNNING' ? 10 : null,
    error_message: status === 'ERROR' ? 'check failed' : null,
    ...extra,
  };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
