import {
  AGENT_PROTOCOL_VERSION,
  type AgentCommand,
  type AgentMonitorSpec,
  errorMessage,
  type LogTail,
} from '@procwatch/shared';
import type { Logger } from 'pino';
import { type CollectorClient, describeResponse } from '../transport/collector-client.ts';
import { readLogTail } from './read-log-tail.ts';

/** A `log_tail` command. */
export type LogTailCommand = Extract<AgentCommand, { kind: 'log_tail' }>;

/** What answering a log tail command needs. */
export interface LogTailCommandDeps {
  readonly client: CollectorClient;
  /** The agent's own copy of a monitor: the file comes from here, never from the command. */
  readonly monitor: (id: number) => AgentMonitorSpec | undefined;
  /** The host's `log_dirs`: nothing outside them is read. */
  readonly logDirs: readonly string[];
  readonly log: Logger;
}

/** The tail a command asks for: the monitor's log under log_dirs, or why there is none. */
export async function tailFor(
  command: LogTailCommand,
  deps: Omit<LogTailCommandDeps, 'client' | 'log'>,
): Promise<LogTail> {
  const file = deps.monitor(command.processMonitorId)?.log_file;
  if (!file) {
    return {
      path: '',
      text: null,
      truncated: false,
      error: `this agent's config has no log_file for monitor ${command.processMonitorId}`,
      error_code: 'not_configured',
    };
  }
  return readLogTail(file, deps.logDirs, { maxLines: command.max_lines, maxBytes: command.max_bytes });
}

/**
 * Answers a `log_tail` command: reads the end of the monitor's log and posts it to
 * `/agent/v1/commands/:id/result`. Never throws: whoever asked hears nothing and times out, and the
 * command poll goes on.
 */
export async function answerLogTail(
  command: LogTailCommand,
  deps: LogTailCommandDeps,
  signal?: AbortSignal,
): Promise<void> {
  const tail = await tailFor(command, deps);
  try {
    const response = await deps.client.request({
      method: 'POST',
      path: `/agent/v1/commands/${command.id}/result`,
      json: { protocol: AGENT_PROTOCOL_VERSION, kind: 'log_tail', log_tail: tail },
      gzip: true,
      signal,
    });
    if (response.status >= 300) {
      deps.log.warn({ command: command.id, answer: describeResponse(response) }, 'log tail answer refused');
      return;
    }
    deps.log.info(
      { command: command.id, monitorId: command.processMonitorId, error: tail.error_code ?? null },
      'log tail sent',
    );
  } catch (error) {
    if (signal?.aborted) return;
    deps.log.warn({ command: command.id, error: errorMessage(error) }, 'log tail answer not delivered');
  }
}
