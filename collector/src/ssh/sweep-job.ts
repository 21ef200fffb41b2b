import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { errorMessage, runLoop } from '@procwatch/shared';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { SampleInput, StoreOptions, StoreResult } from '../ingest/store-samples.ts';
import type { Logger } from '../logger.ts';
import { checkHostOverSsh, type SshCheckerDeps } from './ssh-checker.ts';
import { claimSweeps, hostsNotDue, releaseSweep } from './sweep-lease.ts';
import { planSweeps, type SweepHost, type SweepMonitor, type SweepPlan } from './sweep-selection.ts';

/** The one path to ProcessStatus (the collector's SampleStore); SSH samples go in with source SSH. */
export interface SampleSink {
  store(samples: readonly SampleInput[], options: StoreOptions): Promise<StoreResult>;
}

/** What the sweep needs. */
export interface SshSweeperDeps {
  readonly db: Kysely<Database>;
  readonly checker: SshCheckerDeps;
  readonly samples: SampleSink;
  readonly log: Logger;
  readonly clock: () => Date;
  /** How often to look for silent hosts, ms. */
  readonly pollMs: number;
  /** No host is swept more often than this, whatever its monitors' check_interval, ms. */
  readonly minIntervalMs: number;
  /** Host sweeps running at once (beyond the pool's concurrency they queue for a slot). */
  readonly maxInFlight: number;
  /** Names this collector in leases; default hostname + random id. */
  readonly owner?: string;
}

/** What one tick did (logged; returned to tests). */
export interface SweepSummary {
  planned: number;
  claimed: number;
  hostsChecked: number;
  hostsFailed: number;
  samplesStored: number;
  malformedLines: number;
  /** The first few failures, `host <id>: <message>`. */
  errors: string[];
}

const SUMMARY_ERRORS_MAX = 5;

/**
 * The heartbeat watchdog's SSH sweep: every `pollMs`, finds the hosts whose agent went silent,
 * claims each (a lease shared by all collectors), and checks their due monitors over SSH until the
 * agent is back. Samples go through the SampleStore with source SSH, so they reach the current
 * status and the warning engine exactly as the agent's do.
 */
export class SshSweeper {
  readonly #deps: SshSweeperDeps;
  readonly #owner: string;
  readonly #inFlight = new Map<number, Promise<void>>();
  #ticks = 0;

  constructor(deps: SshSweeperDeps) {
    this.#deps = deps;
    this.#owner = deps.owner ?? `${hostname()}/${randomUUID().slice(0, 8)}`;
  }

  /** Ticks completed so far (tests wait for a count instead of sleeping). */
  get ticks(): number {
    return this.#ticks;
  }

  /** Host sweeps running now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Runs ticks until `signal` aborts, then waits for the sweeps in flight. */
  async run(signal: AbortSignal): Promise<void> {
    await runLoop(
      async (loopSignal) => {
        await this.tick(this.#deps.clock(), loopSignal);
      },
      {
        signal,
        intervalMs: this.#deps.pollMs,
        jitterFraction: 0.1,
        onError: (error, attempt) => this.#deps.log.error({ err: error, attempt }, 'SSH sweep tick failed'),
      },
    );
    await this.drain();
  }

  /** Plans, claims and starts the due host sweeps; `done` settles when they have finished. */
  async tick(
    now: Date,
    signal: AbortSignal,
  ): Promise<{ summary: SweepSummary; done: Promise<SweepSummary> }> {
    const summary: SweepSummary = {
      planned: 0,
      claimed: 0,
      hostsChecked: 0,
      hostsFailed: 0,
      samplesStored: 0,
      malformedLines: 0,
      errors: [],
    };
    try {
      const capacity = this.#deps.maxInFlight - this.#inFlight.size;
      if (capacity <= 0) return { summary, done: Promise.resolve(summary) };
      const plans = (await this.#plan(now)).slice(0, capacity);
      summary.planned = plans.length;
      const { connectTimeoutMs } = this.#deps.checker.pool.options;
      // Long enough for a sweep that waits for a pool slot, connects and runs into its timeouts.
      const leaseMs = connectTimeoutMs + 2 * this.#deps.checker.commandTimeoutMs + 30_000;
      const won = await claimSweeps(
        this.#deps.db,
        plans.map((p) => ({ hostId: p.host.id, periodMs: p.periodMs })),
        { owner: this.#owner, now, leaseMs },
      );
      summary.claimed = won.size;
      const sweeps = plans
        .filter((p) => won.has(p.host.id))
        .map((plan) => this.#launch(plan, summary, signal));
      return { summary, done: Promise.all(sweeps).then(() => summary) };
    } finally {
      this.#ticks += 1;
    }
  }

  /** One tick, waiting for its sweeps: what tests and the benchmark call. */
  async runOnce(now: Date, signal: AbortSignal = new AbortController().signal): Promise<SweepSummary> {
    return (await this.tick(now, signal)).done;
  }

  /** Waits for the sweeps in flight. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  #launch(plan: SweepPlan, summary: SweepSummary, signal: AbortSignal): Promise<void> {
    const hostId = plan.host.id;
    // A signal of its own per host: hundreds of sweeps each listening on the tick's signal would
    // pass Node's listener warning threshold.
    const sweep = this.#sweepHost(plan, summary, AbortSignal.any([signal])).finally(() =>
      this.#inFlight.delete(hostId),
    );
    this.#inFlight.set(hostId, sweep);
    return sweep;
  }

  async #sweepHost(plan: SweepPlan, summary: SweepSummary, signal: AbortSignal): Promise<void> {
    const { host, monitors } = plan;
    let failure: string | null = null;
    try {
      const known = new Map(monitors.map((m) => [m.id, { pid: m.lastPid, startTime: m.lastStartTime }]));
      const result = await checkHostOverSsh(this.#deps.checker, host, monitors, { signal, known });
      summary.malformedLines += result.malformedLines;
      if (result.error) {
        summary.hostsFailed += 1;
        failure = result.error.message;
        if (summary.errors.length < SUMMARY_ERRORS_MAX) summary.errors.push(`host ${host.id}: ${failure}`);
      } else {
        summary.hostsChecked += 1;
      }
      const stored = await this.#deps.samples.store(result.samples, { hostServerId: host.id, source: 'SSH' });
      summary.samplesStored += stored.accepted;
    } catch (error) {
      failure = errorMessage(error);
      if (!signal.aborted) {
        summary.hostsFailed += 1;
        if (summary.errors.length < SUMMARY_ERRORS_MAX) summary.errors.push(`host ${host.id}: ${failure}`);
        this.#deps.log.error({ hostId: host.id, err: error }, 'SSH sweep of a host failed');
      }
    } finally {
      await releaseSweep(this.#deps.db, host.id, {
        owner: this.#owner,
        finishedAt: this.#deps.clock(),
        error: failure,
      }).catch((error: unknown) =>
        this.#deps.log.warn({ hostId: host.id, err: error }, 'SSH sweep lease not released'),
      );
    }
  }

  async #plan(now: Date): Promise<SweepPlan[]> {
    const db = this.#deps.db;
    const hosts: SweepHost[] = await db
      .selectFrom('HostServer')
      .select([
        'id',
        'name',
        'address',
        'ssh_port',
        'ssh_user',
        'ssh_host_key',
        'ssh_host_key_policy',
        'active',
        'heartbeat_timeout_seconds',
        'last_heartbeat_at',
      ])
      .where('active', '=', true)
      .where((eb) => eb.or([eb('ssh_host_key', 'is not', null), eb('ssh_host_key_policy', '=', 'TOFU')]))
      .where(
        sql<boolean>`(last_heartbeat_at IS NULL
          OR last_heartbeat_at < ${now}::timestamptz - heartbeat_timeout_seconds * interval '1 second')`,
      )
      .execute();
    if (hosts.length === 0) return [];
    const notDue = await hostsNotDue(db, now);
    const candidates = hosts.filter((h) => !notDue.has(h.id) && !this.#inFlight.has(h.id));
    if (candidates.length === 0) return [];
    const rows = await db
      .selectFrom('ProcessMonitor as m')
      .leftJoin('ProcessCurrentStatus as s', 's.processMonitorId', 'm.id')
      .select([
        'm.id',
        'm.hostServerId',
        'm.process_name',
        'm.command_pattern',
        'm.pid_file',
        'm.check_interval',
        'm.monitor_start_time',
        'm.monitor_end_time',
        'm.active',
        's.checked_at',
        's.pid',
        's.start_time',
      ])
      .where(
        'm.hostServerId',
        'in',
        candidates.map((h) => h.id),
      )
      .where('m.active', '=', true)
      .execute();
    const monitors: SweepMonitor[] = rows.map(({ checked_at, pid, start_time, ...m }) => ({
      ...m,
      lastCheckedAt: checked_at,
      lastPid: pid,
      lastStartTime: start_time,
    }));
    return planSweeps(candidates, monitors, now, { minIntervalMs: this.#deps.minIntervalMs });
  }
}
