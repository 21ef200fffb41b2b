import { type CompiledCalendar, errorMessage } from '@procwatch/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { type CpuHistory, cpuPercentBetween } from './cpu-usage.ts';
import { readHostSnapshot } from './remote-snapshot.ts';
import { SshError } from './ssh-error.ts';
import type { SshPool } from './ssh-pool.ts';
import {
  errorSamples,
  type KnownIdentity,
  type SshMonitor,
  type SshSample,
  samplesFromSnapshot,
} from './ssh-samples.ts';
import { type SshHost, sshTargetOf } from './ssh-target.ts';

/** What an SSH check needs; built once per collector. */
export interface SshCheckerDeps {
  readonly db: Kysely<Database>;
  readonly pool: SshPool;
  /** Login name for hosts without `ssh_user`. */
  readonly defaultUser: string;
  readonly calendar: CompiledCalendar;
  /** Limit for the remote command and each PID file read, ms. */
  readonly commandTimeoutMs: number;
  readonly log: Logger;
  readonly now?: () => Date;
  /** Each host's last CPU reading: CPU % over the check interval, no pause in the command. */
  readonly cpuHistory?: CpuHistory;
}

/** The samples of one host check and how it went. */
export interface HostCheckResult {
  readonly samples: SshSample[];
  /** Null when the check ran; else why every sample is ERROR. */
  readonly error: SshError | null;
  readonly malformedLines: number;
}

/**
 * Checks the given monitors of one host over SSH: one pooled connection, one fixed command, the
 * PID files over SFTP, the shared matcher. A failed check (refused host key, timeout, garbled
 * output…) yields an ERROR sample per monitor naming the cause, so the warning engine raises
 * PROCESS_CHECK_FAILED. Only an abort (shutdown) throws.
 */
export async function checkHostOverSsh(
  deps: SshCheckerDeps,
  host: SshHost,
  monitors: readonly SshMonitor[],
  { signal, known }: { signal?: AbortSignal; known?: ReadonlyMap<number, KnownIdentity> } = {},
): Promise<HostCheckResult> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const started = performance.now();
  const context = () => ({
    checkedAt: startedAt,
    durationMs: performance.now() - started,
    calendar: deps.calendar,
  });
  if (monitors.length === 0) return { samples: [], error: null, malformedLines: 0 };
  const pidFiles = monitors.flatMap((m) => (m.pid_file ? [m.pid_file] : []));
  try {
    const target = sshTargetOf(host, deps.defaultUser, deps.db);
    const previous = deps.cpuHistory?.get(host.id);
    const variant = { sampleCpu: previous === undefined, exe: monitors.some((m) => m.process_name) };
    let snapshot = await deps.pool.use(
      target,
      (connection) =>
        readHostSnapshot(connection, pidFiles, { timeoutMs: deps.commandTimeoutMs, variant, signal }),
      { signal },
    );
    const reading = snapshot.processes.cpuReading;
    if (previous && !variant.sampleCpu) {
      snapshot = {
        ...snapshot,
        processes: { ...snapshot.processes, cpuPercent: cpuPercentBetween(previous, reading) },
      };
    }
    deps.cpuHistory?.set(host.id, reading);
    const { malformedLines, malformedSamples } = snapshot.processes;
    if (malformedLines > 0) {
      deps.log.warn(
        { hostId: host.id, malformedLines, examples: malformedSamples },
        'SSH check output had malformed lines (skipped)',
      );
    }
    return {
      samples: samplesFromSnapshot(monitors, snapshot, context(), known),
      error: null,
      malformedLines,
    };
  } catch (caught) {
    if (signal?.aborted) throw caught;
    const error =
      caught instanceof SshError ? caught : new SshError('connect', errorMessage(caught), { cause: caught });
    deps.log.warn({ hostId: host.id, kind: error.kind, err: error.message }, 'SSH check failed');
    return { samples: errorSamples(monitors, error.message, context()), error, malformedLines: 0 };
  }
}
