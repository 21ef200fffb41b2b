import { randomUUID } from 'node:crypto';
import { type AgentCommand, AgentCommandSchema, abortableSleep } from '@procwatch/shared';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import type { CommandNotifier } from './command-notifier.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A command to queue: an {@link AgentCommand} without the id and time the bus gives it. */
export type NewAgentCommand = DistributiveOmit<AgentCommand, 'id' | 'issued_at'>;

/**
 * Commands for agents ("check now"), delivered by the agent's long-poll `GET /agent/v1/commands`.
 * Queued in the AgentCommand table, so a command queued on one collector reaches an agent that
 * long-polls another; the notifier (LISTEN/NOTIFY on PostgreSQL) wakes the waiting poll at once.
 * Delivery is at most once: a command is marked delivered when a poll takes it. Commands expire
 * (default 30 s): a late "check now" is worth nothing.
 *
 * The manual-check API (issue 6) calls `enqueue`, then waits for the fresh sample (e.g. through
 * the onSamplesStored hook or ProcessCurrentStatus) and falls back to SSH when none comes.
 */
export interface CommandBus {
  /** Queues a command for the host's agent and wakes its long-poll, on whichever collector it waits. */
  enqueue(
    hostServerId: number,
    command: NewAgentCommand,
    options?: { ttlMs?: number },
  ): Promise<AgentCommand>;
  /** Takes the host's pending commands (marking them delivered), waiting up to `waitMs` for one. */
  take(hostServerId: number, options: { waitMs: number; signal?: AbortSignal }): Promise<AgentCommand[]>;
  /**
   * Stores the answer of the host's command `id` (of `kind`), once: a second answer, a command of another
   * host or of another kind changes nothing and says why.
   */
  complete(
    hostServerId: number,
    id: string,
    kind: AgentCommand['kind'],
    result: Record<string, unknown>,
  ): Promise<CommandCompletion>;
  /**
   * Waits up to `waitMs` for the answer of command `id`, then forgets the command (an answer is read once);
   * null when none came in time.
   */
  takeResult(
    id: string,
    options: { waitMs: number; signal?: AbortSignal },
  ): Promise<Record<string, unknown> | null>;
  /** Ends every wait (they return what they have) and the notifier. */
  close(): Promise<void>;
}

/** What {@link DatabaseCommandBus} needs. */
export interface CommandBusDeps {
  readonly db: Kysely<Database>;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly notifier: CommandNotifier;
  /** Re-read the table this often while waiting even without a wake-up, ms (slower when LISTEN works). */
  readonly pollMs?: number;
  readonly crossInstancePollMs?: number;
}

/** What storing a command's answer did. */
export type CommandCompletion = 'stored' | 'not_found' | 'wrong_kind' | 'already_answered';

const DEFAULT_TTL_MS = 30_000;
// Answers come from another process (the agent, maybe through another collector): looked for this often.
const RESULT_POLL_MS = 100;
const TAKE_MAX = 100;

/** The {@link CommandBus} over the AgentCommand table. */
export class DatabaseCommandBus implements CommandBus {
  readonly #closed = new AbortController();

  constructor(private readonly deps: CommandBusDeps) {}

  async enqueue(
    hostServerId: number,
    command: NewAgentCommand,
    options: { ttlMs?: number } = {},
  ): Promise<AgentCommand> {
    const issuedAt = this.deps.clock();
    const { kind, ...payload } = command;
    const full = AgentCommandSchema.parse({
      ...command,
      id: randomUUID(),
      issued_at: issuedAt.toISOString(),
    });
    await this.deps.db
      .insertInto('AgentCommand')
      .values({
        id: full.id,
        hostServerId,
        kind,
        payload: JSON.stringify(payload),
        issued_at: issuedAt,
        expires_at: new Date(issuedAt.getTime() + (options.ttlMs ?? DEFAULT_TTL_MS)),
      })
      .execute();
    // Old rows go here rather than in a job: cheap (index on expires_at), and per host.
    await this.deps.db
      .deleteFrom('AgentCommand')
      .where('hostServerId', '=', hostServerId)
      .where('expires_at', '<', new Date(issuedAt.getTime() - 86_400_000))
      .execute();
    await this.deps.notifier.publish(hostServerId).catch((error: unknown) => {
      this.deps.logger.warn(
        { err: error, hostServerId },
        'command wake-up not published; the poll will find it',
      );
    });
    return full;
  }

  async take(
    hostServerId: number,
    options: { waitMs: number; signal?: AbortSignal },
  ): Promise<AgentCommand[]> {
    const deadline = performance.now() + Math.max(0, options.waitMs);
    let woken = false;
    let wake: (() => void) | undefined;
    const unsubscribe = this.deps.notifier.subscribe(hostServerId, () => {
      woken = true;
      wake?.();
    });
    const stop = options.signal
      ? AbortSignal.any([options.signal, this.#closed.signal])
      : this.#closed.signal;
    try {
      for (;;) {
        woken = false;
        const commands = await this.#claim(hostServerId);
        const remaining = deadline - performance.now();
        if (commands.length > 0 || remaining <= 0 || stop.aborted) return commands;
        if (woken) continue;
        const pollMs = this.deps.notifier.crossInstance
          ? (this.deps.crossInstancePollMs ?? 5_000)
          : (this.deps.pollMs ?? 1_000);
        const waiter = new AbortController();
        wake = () => waiter.abort();
        await abortableSleep(Math.min(remaining, pollMs), AbortSignal.any([waiter.signal, stop]));
        wake = undefined;
      }
    } finally {
      unsubscribe();
    }
  }

  async #claim(hostServerId: number): Promise<AgentCommand[]> {
    const now = this.deps.clock();
    const result = await sql<{ id: string; kind: string; payload: Record<string, unknown>; issued_at: Date }>`
      UPDATE "AgentCommand" SET delivered_at = ${now}
      WHERE id IN (
        SELECT id FROM "AgentCommand"
        WHERE "hostServerId" = ${hostServerId} AND delivered_at IS NULL AND expires_at > ${now}
        ORDER BY issued_at LIMIT ${TAKE_MAX}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id, kind, payload, issued_at`.execute(this.deps.db);
    const commands: AgentCommand[] = [];
    for (const row of result.rows.sort((a, b) => a.issued_at.getTime() - b.issued_at.getTime())) {
      const parsed = AgentCommandSchema.safeParse({
        ...row.payload,
        id: row.id,
        kind: row.kind,
        issued_at: row.issued_at.toISOString(),
      });
      if (parsed.success) commands.push(parsed.data);
      else
        this.deps.logger.error(
          { commandId: row.id, kind: row.kind },
          'stored agent command is invalid; dropped',
        );
    }
    return commands;
  }

  async complete(
    hostServerId: number,
    id: string,
    kind: AgentCommand['kind'],
    result: Record<string, unknown>,
  ): Promise<CommandCompletion> {
    const updated = await this.deps.db
      .updateTable('AgentCommand')
      .set({ result: JSON.stringify(result), completed_at: this.deps.clock() })
      .where('id', '=', id)
      .where('hostServerId', '=', hostServerId)
      .where('kind', '=', kind)
      .where('completed_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (updated) return 'stored';
    const row = await this.deps.db
      .selectFrom('AgentCommand')
      .select(['kind', 'completed_at'])
      .where('id', '=', id)
      .where('hostServerId', '=', hostServerId)
      .executeTakeFirst();
    if (!row) return 'not_found';
    return row.kind !== kind ? 'wrong_kind' : 'already_answered';
  }

  async takeResult(
    id: string,
    options: { waitMs: number; signal?: AbortSignal },
  ): Promise<Record<string, unknown> | null> {
    const deadline = performance.now() + Math.max(0, options.waitMs);
    const stop = options.signal
      ? AbortSignal.any([options.signal, this.#closed.signal])
      : this.#closed.signal;
    try {
      for (;;) {
        const row = await this.deps.db
          .selectFrom('AgentCommand')
          .select('result')
          .where('id', '=', id)
          .where('completed_at', 'is not', null)
          .executeTakeFirst();
        if (row?.result) return row.result;
        const remaining = deadline - performance.now();
        if (remaining <= 0 || stop.aborted) return null;
        await abortableSleep(Math.min(remaining, RESULT_POLL_MS), stop);
      }
    } finally {
      // Answered or given up: the command is over either way, and a log tail should not linger.
      await this.deps.db
        .deleteFrom('AgentCommand')
        .where('id', '=', id)
        .execute()
        .catch((error: unknown) =>
          this.deps.logger.warn({ err: error, commandId: id }, 'command not deleted'),
        );
    }
  }

  async close(): Promise<void> {
    this.#closed.abort();
    await this.deps.notifier.close();
  }
}
