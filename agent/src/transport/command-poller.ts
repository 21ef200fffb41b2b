import { type AgentCommand, AgentCommandSchema, errorMessage, runLoop } from '@procwatch/shared';
import type { Logger } from 'pino';
import { z } from 'zod';
import { describeIssues } from '../config.ts';
import { type CollectorClient, describeResponse, responseJson } from './collector-client.ts';

/** The collector holds a long-poll up to 30 s; wait a little longer for its headers. */
export const LONG_POLL_HEADERS_TIMEOUT_MS = 45_000;

// The list is checked command by command: a kind this agent does not know (a newer collector) is skipped
// with a warning, and the others still run.
const CommandListEnvelope = z.object({ commands: z.array(z.unknown()) });

/**
 * Long-polls `GET /agent/v1/commands` (204: nothing) and hands each command to `onCommand`.
 * Errors back off (runLoop), so a collector without the endpoint costs one request per backoff.
 */
export function runCommandPoller(options: {
  client: CollectorClient;
  log: Logger;
  signal: AbortSignal;
  onCommand: (command: AgentCommand, signal: AbortSignal) => Promise<void>;
}): Promise<void> {
  const { client, log } = options;
  let failing = false;
  return runLoop(
    async (signal) => {
      const started = Date.now();
      const response = await client.request({
        method: 'GET',
        path: '/agent/v1/commands',
        signal,
        headersTimeoutMs: LONG_POLL_HEADERS_TIMEOUT_MS,
      });
      failing = false;
      if (response.status === 204) return Date.now() - started;
      if (response.status !== 200) throw new Error(`commands refused: ${describeResponse(response)}`);
      const raw = responseJson(response);
      const parsed = CommandListEnvelope.safeParse(raw);
      if (!parsed.success)
        throw new Error(`invalid commands: ${describeIssues('commands', parsed.error, raw)}`);
      for (const item of parsed.data.commands) {
        const command = AgentCommandSchema.safeParse(item);
        if (!command.success) {
          const kind = (item as { kind?: unknown } | null)?.kind;
          log.warn(
            {
              kind: typeof kind === 'string' ? kind.slice(0, 64) : null,
              error: describeIssues('command', command.error, item),
            },
            'command skipped: not one this agent knows',
          );
          continue;
        }
        log.info({ command: command.data.id, kind: command.data.kind }, 'command received');
        await options.onCommand(command.data, signal);
      }
      return Number.POSITIVE_INFINITY;
    },
    {
      signal: options.signal,
      // A collector that answers 204 at once (no hold) must not make this a busy loop.
      intervalMs: (heldMs) => (typeof heldMs === 'number' && heldMs < 1000 ? 1000 : 0),
      backoffBaseMs: 1000,
      backoffMaxMs: 30_000,
      onError: (error, attempt) => {
        if (!failing || attempt % 20 === 0)
          log.warn({ error: errorMessage(error), attempt }, 'command poll failed');
        failing = true;
      },
    },
  );
}
