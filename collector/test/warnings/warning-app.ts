import { compileCalendar, type Sample } from '@procwatch/shared';
import { expect } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { DEFAULT_WARNING_SETTINGS } from '../../src/warnings/settings.ts';
import { createWarningService, type WarningService } from '../../src/warnings/warning-service.ts';
import { batchOf, createTestApp, makeSample, type TestApp } from '../support/test-app.ts';
import { type Backend, openTestDatabase } from '../support/test-database.ts';
import { silentLog } from './fixtures.ts';

// The collector with its warning engine on the ingest hooks, as production runs it: samples posted
// through the agent API are stored, become the current status, and are judged.

/** A calendar without holidays: every weekday is a trading day. */
export const NO_HOLIDAYS = compileCalendar({ holidays: [] });
const START = new Date(Date.now() - 3_600_000).toISOString();

/** A sample of `status` as an agent sends it; RUNNING ones share one start time (one process, no restart). */
export function statusSample(monitorId: number, status: Sample['status'], at: Date, seq: number): Sample {
  const running = status === 'RUNNING';
  return makeSample(monitorId, {
    seq,
    status,
    checked_at: at.toISOString(),
    start_time: running ? START : null,
    pid: running ? 4242 : null,
    cpu_percent: running ? 1 : null,
    memory_percent: running ? 1 : null,
    memory_used_mb: running ? 10 : null,
    uptime_seconds: running ? 3600 : null,
    error_message: status === 'ERROR' ? 'ps failed' : null,
    process_count: running ? 1 : 0,
  });
}

/** The running app, its engine and database. */
export interface WarningApp extends AsyncDisposable {
  readonly database: DatabaseHandle;
  readonly service: WarningService;
  readonly app: TestApp;
  /** Posts a batch with the host's agent token and expects it stored. */
  post(token: string, samples: Sample[]): Promise<void>;
  close(): Promise<void>;
}

/** Opens a fresh database of `backend` and starts the app with the warning engine on it. */
export async function startWarningApp(backend: Backend): Promise<WarningApp> {
  const database = await openTestDatabase(backend);
  const service = createWarningService({
    db: database.db,
    logger: silentLog,
    calendar: NO_HOLIDAYS,
    settings: DEFAULT_WARNING_SETTINGS,
  });
  const app = await createTestApp(backend, { database, hooks: service.hooks });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await app.close();
      await service.close();
      await database.close();
    })();
    return closing;
  };
  return {
    database,
    service,
    app,
    async post(token, samples) {
      const res = await app.agent(token, 'POST', '/agent/v1/samples', batchOf(samples));
      expect(res.status, await res.clone().text()).toBe(200);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
