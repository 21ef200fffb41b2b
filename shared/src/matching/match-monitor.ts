import type { ProcessStatusType } from '../model/enums.ts';
import { type PidFileRead, parsePidFileContent } from './pid-file.ts';
import { compareByAge, type ProcessEntry, stoppedStateReason } from './process-entry.ts';
import {
  type CompiledSelector,
  compileSelector,
  entryMatches,
  type MonitorSelector,
  SelectorError,
} from './selector.ts';

/** Data the matcher needs beside the process list. */
export interface MatchOptions {
  /** What reading each monitor's PID file gave, by path (the caller does the I/O). */
  readonly pidFiles?: ReadonlyMap<string, PidFileRead>;
  /** PIDs never to match: the checker itself and its descendants (see `processTreePids`). */
  readonly excludePids?: ReadonlySet<number>;
  /**
   * Precision of `startTime`, ms, used when comparing it with a PID file's mtime: 10 ms from /proc,
   * 1 s from ps's lstart. Default 1000.
   */
  readonly startTimePrecisionMs?: number;
}

/** Outcome of matching one monitor against one process list. */
export interface MonitorMatchResult {
  /** RUNNING, STOPPED, NOT_FOUND or ERROR (see {@link matchMonitor}). */
  readonly status: ProcessStatusType;
  /** The oldest match (ties: lowest pid); null when nothing matched. */
  readonly primary: ProcessEntry | null;
  /** Every match, oldest first. */
  readonly matches: readonly ProcessEntry[];
  /** How many processes matched (`matches.length`). */
  readonly processCount: number;
  /** Why the status is not RUNNING, for `error_message`; null when RUNNING. */
  readonly message: string | null;
}

function result(
  status: ProcessStatusType,
  matches: readonly ProcessEntry[],
  message: string | null,
): MonitorMatchResult {
  return { status, primary: matches[0] ?? null, matches, processCount: matches.length, message };
}

function describeEntry(entry: ProcessEntry): string {
  return `${entry.name} (${entry.cmdline.slice(0, 120)})`;
}

function matchPidFile(
  entries: readonly ProcessEntry[],
  selector: CompiledSelector,
  pidFile: string,
  options: MatchOptions,
): MonitorMatchResult {
  const read = options.pidFiles?.get(pidFile);
  if (read === undefined) return result('ERROR', [], `PID file ${pidFile} was not read`);
  if (!read.ok) {
    if (read.code === 'ENOENT') return result('NOT_FOUND', [], `PID file ${pidFile} does not exist`);
    return result('ERROR', [], `cannot read PID file ${pidFile}: ${read.message}`);
  }
  const content = parsePidFileContent(read.content);
  if (content.kind === 'empty') return result('NOT_FOUND', [], `PID file ${pidFile} is empty`);
  if (content.kind === 'invalid') {
    return result('ERROR', [], `PID file ${pidFile} does not hold a PID: ${content.reason}`);
  }
  const pid = content.pid;
  const entry = entries.find((e) => e.pid === pid);
  if (!entry) return result('STOPPED', [], `stale PID file ${pidFile}: pid ${pid} is not running`);
  if (options.excludePids?.has(pid)) {
    return result('STOPPED', [], `PID file ${pidFile} names pid ${pid}, which is the checker itself`);
  }
  if (!entryMatches(selector, entry)) {
    return result(
      'STOPPED',
      [],
      `PID file ${pidFile} names pid ${pid}, now another program: ${describeEntry(entry)}`,
    );
  }
  // A daemon writes its PID file after it started; a process that started later got a recycled PID.
  const precision = options.startTimePrecisionMs ?? 1000;
  if (read.modifiedAt && entry.startTime.getTime() > read.modifiedAt.getTime() + precision) {
    return result(
      'STOPPED',
      [],
      `stale PID file ${pidFile}: pid ${pid} started at ${entry.startTime.toISOString()}, ` +
        `after the file was written (${read.modifiedAt.toISOString()}); the PID was reused`,
    );
  }
  return statusOf([entry]);
}

function statusOf(matches: readonly ProcessEntry[]): MonitorMatchResult {
  const primary = matches[0];
  if (!primary) return result('NOT_FOUND', matches, 'no process matches');
  const stopped = stoppedStateReason(primary.state);
  return stopped === null
    ? result('RUNNING', matches, null)
    : result('STOPPED', matches, `pid ${primary.pid}: ${stopped}`);
}

/**
 * Matches one monitor against a process list. Selectors given together must all hold:
 * `process_name` equals comm or the executable's basename, `command_pattern` searches the command
 * line, `pid_file` names the one process whose PID the file holds. Status:
 * - RUNNING: the primary (oldest) match is alive;
 * - STOPPED: the primary is stopped, traced or a zombie; or the PID file names a dead PID, the
 *   checker itself, or a PID now running another program (other selectors fail, or it started
 *   after the file was written);
 * - NOT_FOUND: nothing matches, or the PID file is missing or empty;
 * - ERROR: the check cannot be made (no selector, bad pattern, unreadable or garbled PID file).
 */
export function matchMonitor(
  entries: readonly ProcessEntry[],
  monitor: MonitorSelector | CompiledSelector,
  options: MatchOptions = {},
): MonitorMatchResult {
  let selector: CompiledSelector;
  try {
    selector = 'pattern' in monitor && 'processName' in monitor ? monitor : compileSelector(monitor);
  } catch (error) {
    if (error instanceof SelectorError) return result('ERROR', [], error.message);
    throw error;
  }
  if (selector.processName === null && selector.pattern === null && selector.pidFile === null) {
    return result('ERROR', [], 'monitor has none of process_name, command_pattern, pid_file');
  }
  if (selector.pidFile !== null) return matchPidFile(entries, selector, selector.pidFile, options);
  const exclude = options.excludePids;
  const matches = entries.filter((e) => !exclude?.has(e.pid) && entryMatches(selector, e)).sort(compareByAge);
  return statusOf(matches);
}
