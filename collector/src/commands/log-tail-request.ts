import {
  LOG_TAIL_ON_DEMAND_MAX_BYTES,
  type LogTail,
  LogTailSchema,
  type MonitorLogTail,
} from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isAgentSilent } from '../ssh/sweep-selection.ts';
import type { CommandBus } from './command-bus.ts';

// The on-demand log tail (进程日志收集): a log_tail command through the agent's long-poll, answered by the
// agent with what it read under its own log_dirs. Only the host's agent may read the host's logs: the SSH
// fallback cannot, since the collector does not know which directories the host allows.

/** How long to wait for the agent's answer. */
export const LOG_TAIL_WAIT_MS = 5000;
/** Lines fetched when the request names no number. */
export const LOG_TAIL_DEFAULT_LINES = 100;

/** Why a log tail could not be fetched; the route maps `code` to a problem document. */
export class LogTailRequestError extends Error {
  override name = 'LogTailRequestError';
  constructor(
    readonly code:
      | 'monitor_not_found'
      | 'monitor_inactive'
      | 'host_inactive'
      | 'no_log_file'
      | 'agent_offline'
      | 'agent_timeout'
      | 'log_path_refused'
      | 'log_unavailable',
    message: string,
  ) {
    super(message);
  }
}

/** What fetching a log tail needs (the collector's AppDeps fit). */
export interface LogTailRequestDeps {
  readonly db: Kysely<Database>;
  readonly clock: () => Date;
  readonly commands: Pick<CommandBus, 'enqueue' | 'takeResult'>;
  readonly waitMs?: number;
}

/** Asks the monitor's agent for the last `lines` lines of the monitor's log_file and waits for them. */
export async function requestLogTail(
  deps: LogTailRequestDeps,
  monitorId: number,
  options: { lines?: number; signal?: AbortSignal } = {},
): Promise<MonitorLogTail> {
  const monitor = await deps.db
    .selectFrom('ProcessMonitor as m')
    .innerJoin('HostServer as h', 'h.id', 'm.hostServerId')
    .select([
      'm.id',
      'm.active',
      'm.log_file',
      'm.hostServerId',
      'h.active as hostActive',
      'h.heartbeat_timeout_seconds',
      'h.last_heartbeat_at',
    ])
    .where('m.id', '=', monitorId)
    .executeTakeFirst();
  if (!monitor) throw new LogTailRequestError('monitor_not_found', `monitor ${monitorId} does not exist`);
  if (!monitor.log_file) {
    throw new LogTailRequestError('no_log_file', `monitor ${monitorId} has no log_file; set one first`);
  }
  // The agent only knows active monitors of active hosts (its config has no others).
  if (!monitor.active)
    throw new LogTailRequestError('monitor_inactive', `monitor ${monitorId} is not active`);
  if (!monitor.hostActive) {
    throw new LogTailRequestError('host_inactive', `host ${monitor.hostServerId} is not active`);
  }
  if (isAgentSilent(monitor, deps.clock())) {
    throw new LogTailRequestError(
      'agent_offline',
      `the agent of host ${monitor.hostServerId} is offline; only a host's own agent reads its logs`,
    );
  }
  const waitMs = deps.waitMs ?? LOG_TAIL_WAIT_MS;
  const command = await deps.commands.enqueue(
    monitor.hostServerId,
    {
      kind: 'log_tail',
      processMonitorId: monitor.id,
      max_lines: options.lines ?? LOG_TAIL_DEFAULT_LINES,
      max_bytes: LOG_TAIL_ON_DEMAND_MAX_BYTES,
    },
    { ttlMs: waitMs },
  );
  const result = await deps.commands.takeResult(command.id, {
    waitMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const parsed = LogTailSchema.safeParse(result?.log_tail);
  if (!parsed.success) {
    throw new LogTailRequestError(
      'agent_timeout',
      `the agent of host ${monitor.hostServerId} did not answer within ${waitMs / 1000} s`,
    );
  }
  return answerOf(monitor.id, parsed.data, deps.clock());
}

function answerOf(processMonitorId: number, tail: LogTail, now: Date): MonitorLogTail {
  if (tail.text === null) {
    const why = tail.error ?? 'the agent gave no reason';
    if (tail.error_code === 'refused') {
      throw new LogTailRequestError('log_path_refused', `the host's agent refuses to read it: ${why}`);
    }
    throw new LogTailRequestError('log_unavailable', `the host's agent could not read the log: ${why}`);
  }
  return {
    processMonitorId,
    path: tail.path,
    text: tail.text,
    truncated: tail.truncated,
    read_at: now.toISOString(),
  };
}
