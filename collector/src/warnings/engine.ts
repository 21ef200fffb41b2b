import type { CompiledCalendar, LogTail, ProcessStatusType } from '@procwatch/shared';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { logTailsBySample } from '../ingest/log-tails.ts';
import { probeResultsBySample, type RuleProbe } from '../ingest/probe-results.ts';
import { restartEventsBySample } from '../ingest/restart-events.ts';
import type { Logger } from '../logger.ts';
import { evaluateAgentOffline } from './agent-offline.ts';
import type { MonitorEngineState, RuleRestartEvent, RuleSample } from './model.ts';
import { loadHostInputs, loadMonitorInputs } from './monitor-inputs.ts';
import type { WarningSettings } from './settings.ts';
import { lockMonitorStates, saveMonitorStates, stateChanged, stateFromRow } from './state-store.ts';
import { engineDb } from './tables.ts';
import { evaluateSample, evaluateSchedule, type RuleContext } from './transition.ts';
import { type AppliedChanges, applyWarningActions, noChanges } from './warning-store.ts';

/** A stored sample as the engine takes it (what the ingest hook hands over, `StoredSampleInfo`, fits). */
export interface EngineSampleInput {
  readonly processMonitorId: number;
  readonly status: ProcessStatusType;
  readonly pid: number | null;
  readonly start_time: Date | string | null;
  readonly checked_at: Date | string;
  readonly cpu_percent: number | null;
  readonly memory_percent: number | null;
  readonly memory_used_mb: number | null;
  readonly error_message: string | null;
  /** Used to find the restart events stored with the sample. */
  readonly sample_id?: string;
}

/** What one engine call did, for logs, job summaries and tests. */
export interface EngineSummary {
  monitors: number;
  opened: number;
  bumped: number;
  resolved: number;
  /** Opened held by a down dependency (counted in `opened` too). */
  suppressed: number;
  /** Held warnings released and notified. */
  released: number;
  deliveries: number;
}

/** Options of {@link createWarningEngine}. */
export interface WarningEngineOptions {
  db: Kysely<Database>;
  log: Logger;
  calendar: CompiledCalendar;
  settings: WarningSettings;
  /** Wall clock; tests pass a fixed one. */
  clock?: () => Date;
  /** Called after a commit that queued notifications (wakes the delivery loop). */
  onNotificationsQueued?: () => void;
}

/** The warning engine: the pure rules with persistence, locking and the notification outbox around them. */
export interface WarningEngine {
  /** Judges newly stored samples (any monitors, any order); one transaction for the lot. */
  evaluateSamples(samples: readonly EngineSampleInput[]): Promise<EngineSummary>;
  /** Re-judges "expected to run" for every monitor with state at `now`: window opening catch-up and closing. */
  runScheduleCheck(now: Date): Promise<EngineSummary>;
  /** AGENT_OFFLINE for every host (or these) at `now`. */
  runAgentOfflineCheck(now: Date, hostIds?: readonly number[]): Promise<EngineSummary>;
  /** A heartbeat was stored: resolves the host's AGENT_OFFLINE at once instead of at the next check. */
  heartbeatReceived(hostServerId: number, at: Date): Promise<void>;
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function ruleSampleOf(
  row: EngineSampleInput,
  events: Map<string, RuleRestartEvent[]>,
  probes: Map<string, RuleProbe>,
  tails: Map<string, LogTail>,
): RuleSample {
  const logTail = row.sample_id === undefined ? undefined : tails.get(row.sample_id);
  const restartEvents = row.sample_id === undefined ? undefined : events.get(row.sample_id);
  const probe = row.sample_id === undefined ? undefined : probes.get(row.sample_id);
  return {
    ...(restartEvents ? { restartEvents } : {}),
    ...(probe ? { probe } : {}),
    ...(logTail ? { logTail } : {}),
    status: row.status,
    checkedAt: toDate(row.checked_at),
    pid: row.pid,
    startTime: row.start_time === null ? null : toDate(row.start_time),
    cpuPercent: row.cpu_percent,
    memoryPercent: row.memory_percent,
    memoryUsedMb: row.memory_used_mb,
    errorMessage: row.error_message,
  };
}

function summaryOf(monitors: number, changes: AppliedChanges): EngineSummary {
  return {
    monitors,
    opened: changes.opened.length,
    bumped: changes.bumped.length,
    resolved: changes.resolved.length,
    suppressed: changes.suppressed.length,
    released: changes.released.length,
    deliveries: changes.deliveries,
  };
}

/** Creates the engine. It holds no state of its own between calls: everything lives in the database. */
export function createWarningEngine(options: WarningEngineOptions): WarningEngine {
  const db = engineDb(options.db);
  const log = options.log;
  const clock = options.clock ?? (() => new Date());
  const ctx: RuleContext = { calendar: options.calendar, settings: options.settings };

  function committed(changes: AppliedChanges, what: string) {
    if (changes.opened.length > 0 || changes.resolved.length > 0 || changes.released.length > 0) {
      log.info(
        {
          opened: changes.opened,
          resolved: changes.resolved,
          ...(changes.suppressed.length > 0 ? { suppressed: changes.suppressed } : {}),
          ...(changes.released.length > 0 ? { released: changes.released } : {}),
          deliveries: changes.deliveries,
        },
        what,
      );
    }
    if (changes.deliveries > 0) options.onNotificationsQueued?.();
  }

  async function evaluateSamples(samples: readonly EngineSampleInput[]): Promise<EngineSummary> {
    if (samples.length === 0) return summaryOf(0, noChanges());
    const byMonitor = new Map<number, RuleSample[]>();
    const sampleIds = samples.flatMap((s) => (s.sample_id === undefined ? [] : [s.sample_id]));
    const [events, probes, tails] = await Promise.all([
      restartEventsBySample(options.db, sampleIds),
      probeResultsBySample(options.db, sampleIds),
      logTailsBySample(options.db, sampleIds),
    ]);
    for (const row of samples) {
      const list = byMonitor.get(row.processMonitorId) ?? [];
      list.push(ruleSampleOf(row, events, probes, tails));
      byMonitor.set(row.processMonitorId, list);
    }
    for (const list of byMonitor.values()) list.sort((a, b) => a.checkedAt.getTime() - b.checkedAt.getTime());
    const earliest = Math.min(...[...byMonitor.values()].map((l) => l[0]?.checkedAt.getTime() ?? Infinity));
    const now = clock();
    const inputs = await loadMonitorInputs(db, [...byMonitor.keys()], new Date(earliest));
    const changes = noChanges();
    await db.transaction().execute(async (trx) => {
      const states = await lockMonitorStates(trx, [...inputs.keys()]);
      const changed = new Map<number, MonitorEngineState>();
      for (const [id, monitor] of inputs) {
        const before = states.get(id);
        if (before === undefined) continue;
        let state = before;
        for (const sample of byMonitor.get(id) ?? []) {
          const t = evaluateSample(state, sample, monitor, ctx, now);
          state = t.state;
          if (t.actions.length > 0) {
            await applyWarningActions(
              trx,
              { hostServerId: monitor.hostServerId, processMonitorId: id },
              t.actions,
              now,
              changes,
            );
          }
        }
        if (stateChanged(before, state)) changed.set(id, state);
      }
      await saveMonitorStates(trx, changed);
    });
    committed(changes, 'warnings changed by samples');
    return summaryOf(inputs.size, changes);
  }

  async function runScheduleCheck(now: Date): Promise<EngineSummary> {
    // Only monitors whose expectation can change without a sample: those with session windows or a monitoring
    // period (time moves), those muted now (a mute ends), and those whose stored view disagrees with their
    // active flag (switched on or off, mute just ended). The rest are expected to run and known to be.
    const at = now.toISOString();
    const rows = await db
      .selectFrom('ProcessWarningState as s')
      .innerJoin('ProcessMonitor as m', 'm.id', 's.processMonitorId')
      .innerJoin('HostServer as h', 'h.id', 'm.hostServerId')
      .selectAll('s')
      .where(
        sql<boolean>`cardinality(m.session_windows) > 0
          OR m.monitor_start_time IS NOT NULL OR m.monitor_end_time IS NOT NULL
          OR s.watching IS DISTINCT FROM (m.active AND h.active)
          OR EXISTS (SELECT 1 FROM "WarningMute" w
            WHERE (w."processMonitorId" = m.id OR w."hostServerId" = m."hostServerId")
              AND w.starts_at <= ${at}::timestamptz AND w.muted_until > ${at}::timestamptz)`,
      )
      .execute();
    if (rows.length === 0) return summaryOf(0, noChanges());
    const inputs = await loadMonitorInputs(
      db,
      rows.map((r) => r.processMonitorId),
      now,
      now,
    );
    // A cheap pass over unlocked snapshots finds the few monitors whose expectation flipped.
    const due = rows
      .filter((row) => {
        const monitor = inputs.get(row.processMonitorId);
        if (monitor === undefined) return false;
        const state = stateFromRow(row);
        return evaluateSchedule(state, monitor, ctx, now).state.watching !== state.watching;
      })
      .map((row) => row.processMonitorId);
    const changes = noChanges();
    if (due.length > 0) {
      await db.transaction().execute(async (trx) => {
        const states = await lockMonitorStates(trx, due);
        const changed = new Map<number, MonitorEngineState>();
        for (const id of due) {
          const monitor = inputs.get(id);
          const before = states.get(id);
          if (monitor === undefined || before === undefined) continue;
          const t = evaluateSchedule(before, monitor, ctx, now);
          if (t.actions.length > 0) {
            await applyWarningActions(
              trx,
              { hostServerId: monitor.hostServerId, processMonitorId: id },
              t.actions,
              now,
              changes,
            );
          }
          if (t.state.watching !== before.watching) changed.set(id, t.state);
        }
        await saveMonitorStates(trx, changed);
      });
      committed(changes, 'warnings changed by the schedule');
    }
    return summaryOf(due.length, changes);
  }

  async function runAgentOfflineCheck(now: Date, hostIds?: readonly number[]): Promise<EngineSummary> {
    const hosts = await loadHostInputs(db, now, hostIds);
    let open = db
      .selectFrom('OpsWarning')
      .select('hostServerId')
      .where('type', '=', 'AGENT_OFFLINE')
      .where('status', '<>', 'RESOLVED');
    if (hostIds !== undefined) open = open.where('hostServerId', 'in', [...hostIds]);
    const openHosts = new Set((await open.execute()).map((r) => r.hostServerId));
    const pending = hosts.flatMap((host) => {
      const action = evaluateAgentOffline(host, openHosts.has(host.id), now);
      return action === null ? [] : [{ host, action }];
    });
    const changes = noChanges();
    if (pending.length > 0) {
      await db.transaction().execute(async (trx) => {
        for (const { host, action } of pending) {
          await applyWarningActions(
            trx,
            { hostServerId: host.id, processMonitorId: null },
            [action],
            now,
            changes,
          );
        }
      });
      committed(changes, 'agent offline warnings changed');
    }
    return summaryOf(pending.length, changes);
  }

  async function heartbeatReceived(hostServerId: number, at: Date): Promise<void> {
    // One indexed lookup per heartbeat; the full check runs only for a host that has the warning open.
    const open = await db
      .selectFrom('OpsWarning')
      .select('id')
      .where('dedup_key', '=', `host:${hostServerId}:AGENT_OFFLINE`)
      .where('status', '<>', 'RESOLVED')
      .executeTakeFirst();
    if (open !== undefined) await runAgentOfflineCheck(at, [hostServerId]);
  }

  return { evaluateSamples, runScheduleCheck, runAgentOfflineCheck, heartbeatReceived };
}
