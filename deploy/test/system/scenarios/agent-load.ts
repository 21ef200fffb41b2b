import { randomInt } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { HostWithToken, Monitor } from '@procwatch/shared';
import { expect } from 'vitest';
import { CollectorProcess } from '../support/collector-process.ts';
import { HttpClient } from '../support/http-client.ts';
import { freePort } from '../support/ports.ts';
import {
  addCounters,
  type LoadCounters,
  newCounters,
  percentile,
  SimulatedAgent,
  type SimulatedAgentTiming,
} from '../support/simulated-agent.ts';
import type { SystemEnv } from './scenario.ts';

/** Settings of the load scenario (env: PROCWATCH_SYSTEM_LOAD_*). */
export interface LoadSettings {
  readonly agents: number;
  readonly seconds: number;
  readonly timing: SimulatedAgentTiming;
}

/** 500 agents for 120 s by default; PROCWATCH_SYSTEM_LOAD_AGENTS / _SECONDS override (e.g. for a quick run). */
export function loadSettingsFrom(env: NodeJS.ProcessEnv): LoadSettings {
  const int = (name: string, fallback: number) => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    if (!/^[1-9][0-9]{0,5}$/.test(value)) throw new Error(`${name} must be a positive whole number`);
    return Number(value);
  };
  return {
    agents: int('PROCWATCH_SYSTEM_LOAD_AGENTS', 500),
    seconds: int('PROCWATCH_SYSTEM_LOAD_SECONDS', 120),
    timing: { sampleIntervalS: 10, heartbeatIntervalS: 15, configRefreshS: 60 },
  };
}

async function inParallel<T>(count: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/** Admin queries a dashboard and scripts make, in a loop, until `signal` aborts. */
async function adminQueries(
  admin: HttpClient,
  monitorIds: readonly number[],
  hostIds: readonly number[],
  signal: AbortSignal,
  counters: LoadCounters,
): Promise<void> {
  const paths = [
    () => '/api/v1/status',
    () => '/api/v1/status?stale=true',
    () => `/api/v1/status?hostServerId=${hostIds[randomInt(hostIds.length)]}`,
    () => `/api/v1/monitors/${monitorIds[randomInt(monitorIds.length)]}/history?limit=100`,
    () => '/api/v1/warnings?status=OPEN,ACKNOWLEDGED&limit=100',
    () => '/api/v1/warnings?type=AGENT_OFFLINE',
    () => '/api/v1/hosts',
  ];
  for (let i = 0; !signal.aborted; i++) {
    const path = paths[i % paths.length]!();
    counters.requests += 1;
    try {
      const started = performance.now();
      const answer = await admin.request({ path, timeoutMs: 60_000 });
      counters.latenciesMs.push(performance.now() - started);
      if (answer.status >= 500) counters.serverErrors += 1;
      if (answer.status !== 200) {
        counters.errors += 1;
        if (counters.examples.length < 5) counters.examples.push(`admin ${path} → ${answer.status}`);
      }
    } catch (error) {
      counters.errors += 1;
      if (counters.examples.length < 5) counters.examples.push(`admin ${path}: ${String(error)}`);
    }
  }
}

/**
 * Scenario 6: 500 simulated agents (real host tokens, the real agent's wire behaviour: gzip batches on a
 * 10 s check interval, heartbeats every 15 s, config with ETag, the commands long-poll held open) for two
 * minutes, while two admin clients query status, history and warnings. Zero errors; every sample stored
 * once.
 */
export async function agentLoadScenario(
  { ctx, pg, record }: SystemEnv,
  settings: LoadSettings,
): Promise<void> {
  const database = 'agent_load';
  await pg.createDatabase(database);
  const collector = new CollectorProcess(ctx, {
    name: 'agent-load',
    databaseUrl: pg.url(database),
    port: await freePort(),
    // One address sends every agent's requests here: the per-address bad-token limit is not in play.
  });
  await collector.start();
  const admin = collector.admin;
  const hosts = await inParallel(settings.agents, 8, async (i) => {
    const host = await admin.call<HostWithToken>('POST', '/api/v1/hosts', {
      name: `load-host-${String(i).padStart(3, '0')}`,
      address: `10.${Math.floor(i / 250)}.${i % 250}.1`,
    });
    ctx.secret(`agent token of load-host-${i}`, host.agent_token);
    const monitor = await admin.call<Monitor>('POST', '/api/v1/monitors', {
      name: `load-host-${i} trader`,
      process_type: 'CUSTOM',
      hostServerId: host.id,
      process_name: 'trader',
      check_interval: settings.timing.sampleIntervalS,
    });
    return { host, monitorId: monitor.id };
  });
  const agents = hosts.map(
    ({ host, monitorId }) =>
      new SimulatedAgent(collector.url, host.id, host.agent_token, [monitorId], settings.timing),
  );
  const stop = new AbortController();
  // Every simulated agent waits on this one signal.
  setMaxListeners(0, stop.signal);
  const adminCounters = [newCounters(), newCounters()];
  const adminClients = adminCounters.map(() => new HttpClient(collector.url, collector.adminToken));
  const running = [
    ...agents.map((a) => a.run(stop.signal)),
    ...adminClients.map((client, i) =>
      adminQueries(
        client,
        hosts.map((h) => h.monitorId),
        hosts.map((h) => h.host.id),
        stop.signal,
        adminCounters[i]!,
      ),
    ),
  ];
  const timer = setTimeout(() => stop.abort(), settings.seconds * 1000);
  try {
    await Promise.all(running);
  } finally {
    clearTimeout(timer);
    stop.abort();
    await Promise.all([...agents.map((a) => a.close()), ...adminClients.map((c) => c.close())]);
  }

  const total = newCounters();
  for (const a of agents) addCounters(total, a.counters);
  const adminTotal = newCounters();
  for (const c of adminCounters) addCounters(adminTotal, c);
  const [row] = await pg.query<{ rows: string; ids: string }>(
    database,
    `SELECT count(*) AS rows, count(DISTINCT sample_id) AS ids FROM "ProcessStatus" WHERE source = 'AGENT'`,
  );
  const rows = Number(row?.rows ?? 0);
  const duplicated = rows - Number(row?.ids ?? 0);
  const serverErrors = collector.serverErrors().length + total.serverErrors + adminTotal.serverErrors;
  const errors = total.errors + adminTotal.errors;
  const passed = errors === 0 && rows === total.samplesSent && duplicated === 0 && serverErrors === 0;
  record({
    fault: `6. ${settings.agents} simulated agents × ${settings.seconds} s + admin queries`,
    produced: total.samplesSent,
    stored: rows,
    lost: total.samplesSent - rows,
    duplicated,
    serverErrors,
    passed,
    notes: `${total.requests} agent requests (batch p50 ${percentile(total.latenciesMs, 0.5)} ms, p95 ${percentile(total.latenciesMs, 0.95)} ms), ${adminTotal.requests} admin queries (p50 ${percentile(adminTotal.latenciesMs, 0.5)} ms, p95 ${percentile(adminTotal.latenciesMs, 0.95)} ms), ${errors} errors${
      errors ? `: ${[...total.examples, ...adminTotal.examples].slice(0, 3).join('; ')}` : ''
    }`,
  });
  expect([...total.examples, ...adminTotal.examples]).toEqual([]);
  expect(errors).toBe(0);
  expect(total.samplesAccepted).toBe(total.samplesSent);
  expect(rows).toBe(total.samplesSent);
  expect(duplicated).toBe(0);
  expect(serverErrors).toBe(0);
}
