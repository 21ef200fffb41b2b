import { z } from 'zod';
import { InstantSchema } from '../model/text.ts';

/** A restart action's name: the key in the agent's own `restart_actions`; the collector only ever names it. */
export const RestartActionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 letters, digits, _ . - (starting alphanumeric)');

/**
 * What happened to a restart: the action ran and exited 0, it failed, the limit stopped further tries, or it
 * waits for a dependency on the host to be up first.
 */
export const RESTART_EVENT_KINDS = [
  'RESTARTED',
  'RESTART_FAILED',
  'RESTART_LIMIT_REACHED',
  'RESTART_DEFERRED',
] as const;
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

/** A stored restart event, as `GET /api/v1/monitors/:id/events` lists it. */
export const ProcessEventSchema = z.object({
  id: z.number().int().positive(),
  event_id: z.uuid(),
  processMonitorId: z.number().int().positive(),
  kind: RestartEventKindSchema,
  action: z.string().nullable(),
  attempt: z.number().int().nullable(),
  at: InstantSchema,
  duration_ms: z.number().int().nullable(),
  message: z.string().nullable(),
});
/** A stored restart event. */
export type ProcessEvent = z.infer<typeof ProcessEventSchema>;

/** Body of `GET /api/v1/monitors/:id/events`: newest first. */
export const ProcessEventListSchema = z.object({ items: z.array(ProcessEventSchema) });

/** Query of `GET /api/v1/monitors/:id/events`. */
export const ProcessEventQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, 'must be a whole number from 1 to 1000')
    .transform(Number)
    .pipe(z.number().int().min(1).max(1000))
    .optional(),
});
