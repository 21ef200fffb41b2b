import { z } from 'zod';
import { InstantSchema } from '../model/text.ts';

/** A restart action's name: the key in the agent's own `restart_actions`; the collector only ever names it. */
export const RestartActionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 letters, digits, _ . - (starting alphanumeric)');

/** What happened to a restart: the action ran and exited 0, it failed, or the limit stopped further tries. */
export const RESTART_EVENT_KINDS = ['RESTARTED', 'RESTART_FAILED', 'RESTART_LIMIT_REACHED'] as const;
/** zod schema of {@link RestartEventKind}. */
export const RestartEventKindSchema = z.enum(RESTART_EVENT_KINDS);
/** Kind of a restart event. */
export type RestartEventKind = z.infer<typeof RestartEventKindSchema>;

/** At most this many restart events ride on one sample. */
export const RESTART_EVENTS_MAX = 16;

/** One restart event, carried on the next sample of its monitor; `event_id` makes storing it idempotent. */
export const RestartEventSchema = z.object({
  event_id: z.uuid(),
  kind: RestartEventKindSchema,
  action: RestartActionNameSchema,
  /** 1-based number of this restart within the limit window (for the limit event: the restarts made). */
  attempt: z.number().int().min(0).max(1000),
  at: InstantSchema,
  duration_ms: z.number().int().min(0).max(86_400_000).nullable(),
  message: z.string().max(2000).nullable(),
});
/** One restart event. */
export type RestartEvent = z.infer<typeof RestartEventSchema>;
