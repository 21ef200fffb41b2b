import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import {
  type AgentCommand,
  AgentCommandListSchema,
  abortableSleep,
  DEFAULT_COMPILED_CALENDAR,
  type Sample,
} from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { CommandBus } from '../../src/commands/command-bus.ts';
import type { Database } from '../../src/db/schema.ts';
import type { CollectorHooks } from '../../src/ingest/hooks.ts';
import { SampleStore } from '../../src/ingest/store-samples.ts';
import { createLogger } from '../../src/logger.ts';
import { CpuHistory } from '../../src/ssh/cpu-usage.ts';
import { remoteSnapshotCommand } from '../../src/ssh/remote-command.ts';
import { parseRemoteOutput } from '../../src/ssh/remote-output.ts';
import type { SshCheckerDeps } from '../../src/ssh/ssh-checker.ts';
import { SshPool } from '../../src/ssh/ssh-pool.ts';
import { samplesFromSnapshot } from '../../src/ssh/ssh-samples.ts';
import { SshSweeper } from '../../src/ssh/sweep-job.ts';
import type { SshdFixture } from '../support/sshd.ts';

const run = promisify(execFile);

/** A process with a distinctive argv for the SSH checks to find; killed on dispose. */
export async function startTarget(): Promise<{ child: ChildProcess; tag: string } & AsyncDisposable> {
  const tag = `procwatch-ssh-${randomUUID()}`;
  const child = spawn(process.execPath, ['-e', 'setInterval(()=>{},1e3)', tag], { stdio: 'ignore' });
  await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  return {
    child,
    tag,
    [Symbol.asyncDispose]: async () => {
      child.kill('SIGKILL');
    },
  };
}

/** A pool logging in to the fixture with its client key; generous timeouts for a loaded machine. */
export function testPool(
  sshd: SshdFixture,
  options: { reuse?: boolean; concurrency?: number } = {},
): SshPool {
  return new SshPool({
    auth: { privateKey: readFileSync(sshd.clientKey.privateKeyFile) },
    concurrency: options.concurrency ?? 8,
    connectTimeoutMs: 30_000,
    keepaliveIntervalMs: 15_000,
    idleTimeoutMs: 60_000,
    maxChannelsPerConnection: 8,
    reuse: options.reuse,
  });
}

/** A collector's SSH side over one database: the sample store, the checker and the sweeper. */
export interface SshCollector extends AsyncDisposable {
  readonly pool: SshPool;
  readonly store: SampleStore;
  readonly checker: SshCheckerDeps;
  readonly sweeper: SshSweeper;
}

export function sshCollector(
  db: Kysely<Database>,
  sshd: SshdFixture,
  options: { clock?: () => Date; hooks?: CollectorHooks; owner?: string; pollMs?: number } = {},
): SshCollector {
  const clock = options.clock ?? (() => new Date());
  const log = createLogger('silent');
  const pool = testPool(sshd);
  const store = new SampleStore({ db, logger: log, clock, hooks: options.hooks ?? {}, retentionDays: 30 });
  const checker: SshCheckerDeps = {
    db,
    pool,
    defaultUser: sshd.user,
    calendar: DEFAULT_COMPILED_CALENDAR,
    commandTimeoutMs: 30_000,
    log,
    now: clock,
    cpuHistory: new CpuHistory(),
  };
  const sweeper = new SshSweeper({
    db,
    checker,
    samples: store,
    log,
    clock,
    pollMs: options.pollMs ?? 250,
    minIntervalMs: 1000,
    maxInFlight: 16,
    owner: options.owner,
  });
  return {
    pool,
    store,
    checker,
    sweeper,
    [Symbol.asyncDispose]: async () => {
      await sweeper.drain();
      await pool.close();
    },
  };
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** How an agent stand-in reaches the collector: directly (bus and store) or over the agent HTTP API. */
export interface AgentLink {
  heartbeat(): Promise<void>;
  /** Waits up to ~1 s for commands. */
  takeCommands(signal: AbortSignal): Promise<AgentCommand[]>;
  pushSamples(samples: Sample[]): Promise<void>;
}

/** The link of an agent talking to this collector's command bus and sample store directly. */
export function directLink(options: {
  db: Kysely<Database>;
  commands: CommandBus;
  store: SampleStore;
  hostId: number;
}): AgentLink {
  return {
    heartbeat: async () => {
      await options.db
        .updateTable('HostServer')
        .set({ last_heartbeat_at: new Date() })
        .where('id', '=', options.hostId)
        .execute();
    },
    takeCommands: (signal) => options.commands.take(options.hostId, { waitMs: 1000, signal }),
    pushSamples: async (samples) => {
      await options.store.store(samples, { hostServerId: options.hostId, source: 'AGENT' });
    },
  };
}

/** The link of an agent using the collector's agent API v1 (`fetch` is the app's or a server's). */
export function httpLink(
  fetch: (path: string, init: RequestInit) => Promise<Response>,
  token: string,
): AgentLink {
  const startedAt = new Date().toISOString();
  let lastSeq = 0;
  const call = async (method: string, path: string, body?: unknown, signal?: AbortSignal) => {
    const res = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  return {
    heartbeat: async () => {
      await call('POST', '/agent/v1/heartbeat', {
        protocol: 1,
        agent_version: 'stand-in',
        started_at: startedAt,
        spool_depth: 0,
        last_seq: lastSeq,
      });
    },
    takeCommands: async (signal) => {
      const res = await call('GET', '/agent/v1/commands?wait=1', undefined, signal);
      if (res.status === 204) return [];
      return AgentCommandListSchema.parse(await res.json()).commands;
    },
    pushSamples: async (samples) => {
      lastSeq = Math.max(lastSeq, ...samples.map((s) => s.seq));
      await call('POST', '/agent/v1/samples', { protocol: 1, samples });
    },
  };
}

/**
 * An agent stand-in: heartbeats, takes commands and answers check_now with a real local check —
 * the fixed snapshot command run through /bin/sh here, parsed and matched like the agent's — pushed
 * as AGENT samples. (The real agent is exercised end to end by deploy's system tests.)
 */
export function startAgentStandIn(options: {
  db: Kysely<Database>;
  link: AgentLink;
}): AsyncDisposable & { readonly checksRun: number; readonly ready: Promise<void> } {
  const stop = new AbortController();
  let seq = 0;
  let checksRun = 0;
  const { link } = options;
  const heartbeats = setInterval(() => void link.heartbeat().catch(() => {}), 300);
  const ready = link.heartbeat();
  const loop = (async () => {
    await ready;
    while (!stop.signal.aborted) {
      // A failed poll is retried after a pause, as an agent would (never in a tight loop).
      const commands = await link.takeCommands(stop.signal).catch(async () => {
        await abortableSleep(500, stop.signal);
        return [];
      });
      for (const command of commands) {
        if (command.kind !== 'check_now') continue;
        const monitors = await options.db
          .selectFrom('ProcessMonitor')
          .select([
            'id',
            'hostServerId',
            'process_name',
            'command_pattern',
            'pid_file',
            'check_interval',
            'monitor_start_time',
            'monitor_end_time',
          ])
          .where('id', 'in', command.processMonitorIds)
          .execute();
        const started = performance.now();
        const checkedAt = new Date();
        // One snapshot (no CPU pause): an agent's check reads /proc once, with CPU from its history.
        const script = remoteSnapshotCommand({ sampleCpu: false, exe: true });
        const { stdout } = await run('/bin/sh', ['-c', script], { maxBuffer: 64 * 1024 * 1024 });
        const snapshot = { processes: parseRemoteOutput(stdout), pidFiles: new Map() };
        const samples = samplesFromSnapshot(monitors, snapshot, {
          checkedAt,
          durationMs: performance.now() - started,
          calendar: DEFAULT_COMPILED_CALENDAR,
        }).map(({ source: _source, ...s }) => ({ ...s, seq: ++seq }));
        await link.pushSamples(samples);
        checksRun += 1;
      }
    }
  })();
  return {
    /** Settles once the first heartbeat is stored (the agent counts as online from then on). */
    ready,
    get checksRun() {
      return checksRun;
    },
    [Symbol.asyncDispose]: async () => {
      stop.abort();
      clearInterval(heartbeats);
      await loop.catch(() => {});
    },
  };
}
