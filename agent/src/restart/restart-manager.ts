import { randomUUID } from 'node:crypto';
import {
  type AgentMonitorSpec,
  errorMessage,
  isProcessDown,
  type ProcessStatusType,
  RESTART_EVENTS_MAX,
  type RestartEvent,
  type RestartEventKind,
} from '@procwatch/shared';
import type { Logger } from 'pino';
import { type RestartAction, runRestartAction } from './restart-action.ts';
import { RestartLimiter, type RestartLimits } from './restart-limiter.ts';

/** Options of the {@link RestartManager}. */
export interface RestartManagerOptions {
  /** The host's own named actions; a monitor naming another is reported, never run. */
  readonly actions: ReadonlyMap<string, RestartAction>;
  readonly limits: RestartLimits;
  readonly log: Logger;
  /** A restart finished or a backoff ran out: check the monitor again soon. */
  readonly recheck: (monitorId: number) => void;
}

/** A dependency of a monitor, on this host, that is not up yet. */
export interface RestartBlocker {
  readonly id: number;
  readonly name: string;
}

/**
 * Restarts monitors found NOT_FOUND or STOPPED with the action they name, within the limits, and
 * keeps the events for the monitor's next sample. Monitoring goes on whatever happens here.
 * Dependencies first: a monitor whose dependency on this host is not up waits (one RESTART_DEFERRED
 * event), and is checked again as soon as that dependency is seen up.
 */
export class RestartManager {
  readonly #options: RestartManagerOptions;
  readonly #limiter: RestartLimiter;
  readonly #controller = new AbortController();
  readonly #running = new Map<number, Promise<void>>();
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #events = new Map<number, RestartEvent[]>();
  readonly #unknownReported = new Set<number>();
  /** Monitors waiting for a dependency: monitor id → the dependency's id. */
  readonly #deferred = new Map<number, number>();

  constructor(options: RestartManagerOptions) {
    this.#options = options;
    this.#limiter = new RestartLimiter(options.limits);
  }

  /**
   * Feeds one check result; may start a restart in the background. `blockedBy`: a dependency on this host
   * that is not up yet (down, or running with its health probe failing); while there is one the monitor is
   * not restarted, since a trader restarted before its market-data feed would only die again and use up
   * its restarts.
   */
  observe(
    spec: AgentMonitorSpec,
    status: ProcessStatusType,
    options: { blockedBy?: RestartBlocker | null; nowMs?: number } = {},
  ): void {
    const nowMs = options.nowMs ?? Date.now();
    if (this.#controller.signal.aborted) return;
    if (status === 'RUNNING') {
      this.#deferred.delete(spec.id);
      this.#limiter.up(spec.id, nowMs);
      this.#releaseDependents(spec.id);
      return;
    }
    const name = spec.restart_action;
    if (!name || !isProcessDown(status) || this.#running.has(spec.id) || this.#timers.has(spec.id)) return;
    const blocker = options.blockedBy ?? null;
    if (blocker) {
      if (this.#deferred.get(spec.id) !== blocker.id) {
        this.#deferred.set(spec.id, blocker.id);
        const message = `waiting for its dependency "${blocker.name}" (#${blocker.id}) to be up before restarting`;
        this.#options.log.info({ monitor: spec.name, monitorId: spec.id, dependency: blocker.id }, message);
        this.#push(spec.id, this.#event('RESTART_DEFERRED', name, 0, null, message));
      }
      return;
    }
    this.#deferred.delete(spec.id);
    const action = this.#options.actions.get(name);
    if (!action) {
      if (!this.#unknownReported.has(spec.id)) {
        this.#unknownReported.add(spec.id);
        this.#options.log.error(
          { monitor: spec.name, action: name },
          'restart action not in this agent config',
        );
        this.#push(spec.id, this.#event('RESTART_FAILED', name, 0, null, `no restart action "${name}" here`));
      }
      return;
    }
    const decision = this.#limiter.decide(spec.id, nowMs);
    switch (decision.kind) {
      case 'run':
        this.#limiter.started(spec.id, nowMs);
        this.#start(spec, name, action, decision.attempt);
        return;
      case 'wait': {
        const timer = setTimeout(
          () => {
            this.#timers.delete(spec.id);
            this.#options.recheck(spec.id);
          },
          Math.max(0, decision.untilMs - nowMs),
        );
        timer.unref();
        this.#timers.set(spec.id, timer);
        return;
      }
      case 'limit':
        if (decision.first) {
          const { maxRestarts, windowMs } = this.#options.limits;
          const message = `restart limit reached: ${decision.restarts} restarts in ${Math.round(windowMs / 60_000)} min (max ${maxRestarts}); not restarting any more, still monitoring`;
          this.#options.log.warn({ monitor: spec.name, monitorId: spec.id, action: name }, message);
          this.#push(spec.id, this.#event('RESTART_LIMIT_REACHED', name, decision.restarts, null, message));
          this.#options.recheck(spec.id);
        }
        return;
      default:
        decision satisfies never;
    }
  }

  /** `id` was seen running: a monitor waiting for it is checked again, and restarted if nothing blocks it now. */
  #releaseDependents(id: number): void {
    for (const [waiting, on] of this.#deferred) if (on === id) this.#options.recheck(waiting);
  }

  #start(spec: AgentMonitorSpec, name: string, action: RestartAction, attempt: number): void {
    const log = this.#options.log;
    log.info({ monitor: spec.name, monitorId: spec.id, action: name, attempt }, 'restarting');
    const run = runRestartAction(action, {
      timeoutMs: this.#options.limits.timeoutMs,
      signal: this.#controller.signal,
    })
      .then((outcome) => {
        const kind = outcome.ok ? 'RESTARTED' : 'RESTART_FAILED';
        if (outcome.ok) log.info({ monitor: spec.name, action: name, attempt }, 'restart action done');
        else
          log.error({ monitor: spec.name, action: name, attempt, error: outcome.message }, 'restart failed');
        this.#push(spec.id, this.#event(kind, name, attempt, outcome.durationMs, outcome.message));
      })
      .catch((error) => log.error({ error: errorMessage(error) }, 'restart bookkeeping failed'))
      .finally(() => {
        this.#running.delete(spec.id);
        if (!this.#controller.signal.aborted) this.#options.recheck(spec.id);
      });
    this.#running.set(spec.id, run);
  }

  #event(
    kind: RestartEventKind,
    action: string,
    attempt: number,
    durationMs: number | null,
    message: string | null,
  ): RestartEvent {
    return {
      event_id: randomUUID(),
      kind,
      action,
      attempt,
      at: new Date().toISOString(),
      duration_ms: durationMs,
      message: message === null ? null : message.slice(0, 2000),
    };
  }

  #push(id: number, event: RestartEvent): void {
    const list = this.#events.get(id) ?? [];
    list.push(event);
    // Only the newest fit on a sample; older ones are in the agent log.
    this.#events.set(id, list.slice(-RESTART_EVENTS_MAX));
  }

  /** The events not yet sent for a monitor (removed: they go on its next sample). */
  takeEvents(id: number): RestartEvent[] | undefined {
    const list = this.#events.get(id);
    if (!list) return undefined;
    this.#events.delete(id);
    return list;
  }

  /** Whether restarts of a monitor are stopped by the limit. */
  isSuspended(id: number): boolean {
    return this.#limiter.isSuspended(id);
  }

  /** Forgets monitors no longer configured (or changed: they start with a fresh limit). */
  retain(keep: ReadonlySet<number>): void {
    this.#limiter.retain(keep);
    for (const id of this.#unknownReported) if (!keep.has(id)) this.#unknownReported.delete(id);
    for (const id of this.#deferred.keys()) if (!keep.has(id)) this.#deferred.delete(id);
  }

  /** Cancels waits, kills running actions and waits for them; idempotent. */
  async close(): Promise<void> {
    this.#controller.abort();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await Promise.allSettled(this.#running.values());
  }
}
