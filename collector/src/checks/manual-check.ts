import { abortableSleep } from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { CommandBus } from '../commands/command-bus.ts';
import type { Database, ProcessCurrentStatus, ProcessStatusRow } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { checkHostOverSsh, type SshCheckerDeps } from '../ssh/ssh-checker.ts';
import type { SshMonitor, SshSample } from '../ssh/ssh-samples.ts';
import { hasSshSettings, type SshHost } from '../ssh/ssh-target.ts';
import type { SampleSink } from '../ssh/sweep-job.ts';
import { isAgentSilent } from '../ssh/sweep-selection.ts';

// "Check now" (the design note's 手动触发检查). Agent online: a check_now command through its
// long-poll (the AgentCommand table, so the agent may be polling any collector), then wait for the
// fresh samples to land in ProcessCurrentStatus — whichever collector the agent posts them to.
// Agent offline, or silent past the wait: the SSH fallback checks the host and stores the samples
// through the same SampleStore. The answer says which path served it.

/** How long to wait for the agent's fresh samples before giving up on it. */
export const AGENT_CHECK_WAIT_MS = 5000;

/** One fresh sample in a check answer. */
export interface CheckSample {
  processMonitorId: number;
  sample_id: string;
  source: 'AGENT' | 'SSH';
  status: ProcessStatusRow['status'];
  pid: number | null;
  cpu_percent: number | null;
  memory_percent: number | null;
  memory_used_mb: number | null;
  uptime_seconds: number | null;
  start_time: string | null;
  trade_day: string;
  checked_at: string;
  check_duration_ms: number | null;
  error_message: string | null;
  process_count: number;
}

/** The answer to a manual check. */
export interface ManualCheckResult {
  via: 'agent' | 'ssh';
  hostServerId: number;
  /** Why SSH served it: the agent was offline, or did not answer in time; null when the agent did. */
  fallback_reason: 'agent_offline' | 'agent_timeout' | null;
  samples: CheckSample[];
}

/** Why a check could not be made; the route maps `code` to a problem document. */
export class ManualCheckError extends Error {
  override name = 'ManualCheckError';
  constructor(
    readonly code:
      | 'monitor_not_found'
      | 'host_not_found'
      | 'monitor_inactive'
      | 'host_inactive'
      | 'no_active_monitors'
      | 'no_check_path'
      | 'agent_timeout',
    message: string,
  ) {
    super(message);
  }
}

/** What the service needs (the collector's AppDeps provide it). */
export interface ManualCheckDeps {
  readonly db: Kysely<Database>;
  readonly clock: () => Date;
  readonly commands: Pick<CommandBus, 'enqueue'>;
  readonly samples: SampleSink;
  /** Absent when the collector has no SSH credentials configured. */
  readonly ssh: SshCheckerDeps | undefined;
  readonly log: Logger;
  readonly agentWaitMs?: number;
  /** How often to look for the agent's samples while waiting, ms. */
  readonly pollMs?: number;
}

type CheckHost = SshHost & {
  active: boolean;
  heartbeat_timeout_seconds: number;
  last_heartbeat_at: Date | null;
};

const HOST_COLUMNS = [
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
] as const;

const MONITOR_COLUMNS = [
  'id',
  'hostServerId',
  'process_name',
  'command_pattern',
  'pid_file',
  'check_interval',
  'monitor_start_time',
  'monitor_end_time',
  'active',
] as const;

/** Runs manual checks of one monitor or of every active monitor of a host. */
export class ManualCheckService {
  constructor(private readonly deps: ManualCheckDeps) {}

  async checkMonitor(monitorId: number, options: { signal?: AbortSignal } = {}): Promise<ManualCheckResult> {
    const monitor = await this.deps.db
      .selectFrom('ProcessMonitor')
      .select(MONITOR_COLUMNS)
      .where('id', '=', monitorId)
      .executeTakeFirst();
    if (!monitor) throw new ManualCheckError('monitor_not_found', `monitor ${monitorId} does not exist`);
    if (!monitor.active) {
      throw new ManualCheckError('monitor_inactive', `monitor ${monitorId} is not active; enable it first`);
    }
    const host = await this.#host(monitor.hostServerId);
    return this.#check(host, [monitor], options.signal);
  }

  async checkHost(hostId: number, options: { signal?: AbortSignal } = {}): Promise<ManualCheckResult> {
    const host = await this.#host(hostId);
    const monitors = await this.deps.db
      .selectFrom('ProcessMonitor')
      .select(MONITOR_COLUMNS)
      .where('hostServerId', '=', hostId)
      .where('active', '=', true)
      .orderBy('id')
      .execute();
    if (monitors.length === 0) {
      throw new ManualCheckError('no_active_monitors', `host ${hostId} has no active monitors`);
    }
    return this.#check(host, monitors, options.signal);
  }

  async #host(hostId: number): Promise<CheckHost> {
    const host = await this.deps.db
      .selectFrom('HostServer')
      .select(HOST_COLUMNS)
      .where('id', '=', hostId)
      .executeTakeFirst();
    if (!host) throw new ManualCheckError('host_not_found', `host ${hostId} does not exist`);
    if (!host.active) throw new ManualCheckError('host_inactive', `host ${hostId} is not active`);
    return host;
  }

  async #check(host: CheckHost, monitors: SshMonitor[], signal?: AbortSignal): Promise<ManualCheckResult> {
    const sshPossible = this.deps.ssh !== undefined && hasSshSettings(host);
    if (!isAgentSilent(host, this.deps.clock())) {
      const fresh = await this.#viaAgent(host, monitors, signal);
      if (fresh) return { via: 'agent', hostServerId: host.id, fallback_reason: null, samples: fresh };
      if (!sshPossible) {
        throw new ManualCheckError(
          'agent_timeout',
          `the agent of host ${host.id} did not report within ${this.#waitMs() / 1000} s, and the host cannot be checked over SSH`,
        );
      }
      return this.#viaSsh(host, monitors, 'agent_timeout', signal);
    }
    if (!sshPossible) {
      const why = this.deps.ssh
        ? 'the host has no pinned SSH host key (and is not set to TOFU)'
        : 'the collector has no SSH credentials configured';
      throw new ManualCheckError('no_check_path', `the agent of host ${host.id} is offline and ${why}`);
    }
    return this.#viaSsh(host, monitors, 'agent_offline', signal);
  }

  #waitMs(): number {
    return this.deps.agentWaitMs ?? AGENT_CHECK_WAIT_MS;
  }

  /** Queues check_now and waits for every monitor's current status to move; null on timeout. */
  async #viaAgent(
    host: CheckHost,
    monitors: SshMonitor[],
    signal?: AbortSignal,
  ): Promise<CheckSample[] | null> {
    const ids = monitors.map((m) => m.id);
    const before = new Map((await this.#current(ids)).map((r) => [r.processMonitorId, r]));
    await this.deps.commands.enqueue(
      host.id,
      { kind: 'check_now', processMonitorIds: ids },
      { ttlMs: this.#waitMs() },
    );
    const deadline = performance.now() + this.#waitMs();
    for (;;) {
      const rows = await this.#current(ids);
      const fresh = rows.filter((r) => {
        const old = before.get(r.processMonitorId);
        return !old || (r.sample_id !== old.sample_id && r.checked_at > old.checked_at);
      });
      if (fresh.length === ids.length) return fresh.map(sampleOfCurrent);
      const remaining = deadline - performance.now();
      if (remaining <= 0) return null;
      if (!(await abortableSleep(Math.min(remaining, this.deps.pollMs ?? 100), signal))) return null;
    }
  }

  async #viaSsh(
    host: CheckHost,
    monitors: SshMonitor[],
    reason: 'agent_offline' | 'agent_timeout',
    signal?: AbortSignal,
  ): Promise<ManualCheckResult> {
    const current = await this.#current(monitors.map((m) => m.id));
    const known = new Map(current.map((r) => [r.processMonitorId, { pid: r.pid, startTime: r.start_time }]));
    const result = await checkHostOverSsh(this.deps.ssh!, host, monitors, { signal, known });
    const stored = await this.deps.samples.store(result.samples, { hostServerId: host.id, source: 'SSH' });
    const byId = new Map(stored.stored.map((row) => [row.sample_id, row]));
    return {
      via: 'ssh',
      hostServerId: host.id,
      fallback_reason: reason,
      // A sample the store did not keep (dated before the retention window) is still the answer.
      samples: result.samples.map((s) => {
        const row = byId.get(s.sample_id);
        return row ? sampleOfRow(row) : sampleOfSsh(s);
      }),
    };
  }

  #current(ids: number[]): Promise<ProcessCurrentStatus[]> {
    return this.deps.db
      .selectFrom('ProcessCurrentStatus')
      .selectAll()
      .where('processMonitorId', 'in', ids)
      .execute();
  }
}

type SampleColumns = Pick<
  ProcessStatusRow,
  | 'processMonitorId'
  | 'sample_id'
  | 'source'
  | 'status'
  | 'pid'
  | 'cpu_percent'
  | 'memory_percent'
  | 'memory_used_mb'
  | 'uptime_seconds'
  | 'start_time'
  | 'trade_day'
  | 'checked_at'
  | 'check_duration_ms'
  | 'error_message'
  | 'process_count'
>;

function sampleOfRow(row: SampleColumns): CheckSample {
  return {
    processMonitorId: row.processMonitorId,
    sample_id: row.sample_id,
    source: row.source,
    status: row.status,
    pid: row.pid,
    cpu_percent: row.cpu_percent,
    memory_percent: row.memory_percent,
    memory_used_mb: row.memory_used_mb,
    uptime_seconds: row.uptime_seconds,
    start_time: row.start_time ? row.start_time.toISOString() : null,
    trade_day: row.trade_day,
    checked_at: row.checked_at.toISOString(),
    check_duration_ms: row.check_duration_ms,
    error_message: row.error_message,
    process_count: row.process_count,
  };
}

function sampleOfCurrent(row: ProcessCurrentStatus): CheckSample {
  return sampleOfRow(row);
}

function sampleOfSsh(s: SshSample): CheckSample {
  return {
    processMonitorId: s.processMonitorId,
    sample_id: s.sample_id,
    source: 'SSH',
    status: s.status,
    pid: s.pid,
    cpu_percent: s.cpu_percent,
    memory_percent: s.memory_percent,
    memory_used_mb: s.memory_used_mb,
    uptime_seconds: s.uptime_seconds,
    start_time: s.start_time,
    trade_day: s.trade_day,
    checked_at: s.checked_at,
    check_duration_ms: s.check_duration_ms,
    error_message: s.error_message,
    process_count: s.process_count,
  };
}
