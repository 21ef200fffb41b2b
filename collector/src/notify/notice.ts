import { OpsWarningStatusSchema, OpsWarningTypeSchema } from '@procwatch/shared';
import { z } from 'zod';

/** Why a notification is sent. */
export const NOTIFICATION_EVENTS = ['opened', 'resolved', 'reminder', 'test'] as const;
/** Why a notification is sent. */
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** Events a channel may subscribe to (a test message always goes out). */
export const SUBSCRIBABLE_EVENTS = ['opened', 'resolved', 'reminder'] as const;

/**
 * What a notification says, frozen when it is queued: the warning as it was when opened, resolved or
 * reminded about. Stored as the delivery's payload; every message format is built from it.
 */
export const WarningNoticeSchema = z.object({
  event: z.enum(NOTIFICATION_EVENTS),
  warning: z.object({
    id: z.number().int(),
    type: OpsWarningTypeSchema,
    status: OpsWarningStatusSchema,
    title: z.string(),
    message: z.string(),
    host: z.object({ id: z.number().int(), name: z.string() }).nullable(),
    monitor: z.object({ id: z.number().int(), name: z.string() }).nullable(),
    count: z.number().int(),
    first_seen_at: z.string(),
    last_seen_at: z.string(),
    resolved_at: z.string().nullable(),
    resolve_reason: z.string().nullable(),
    reminder_no: z.number().int().min(0),
  }),
});
/** What a notification says. */
export type WarningNotice = z.infer<typeof WarningNoticeSchema>;

/** A channel's message for a test request: looks like a real warning, says it is a test. */
export function testNotice(channelName: string, now: Date): WarningNotice {
  return {
    event: 'test',
    warning: {
      id: 0,
      type: 'PROCESS_NOT_RUNNING',
      status: 'OPEN',
      title: `procwatch test message for channel "${channelName}"`,
      message: 'If you can read this, the channel works. No process is affected.',
      host: null,
      monitor: null,
      count: 1,
      first_seen_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      resolved_at: null,
      resolve_reason: null,
      reminder_no: 0,
    },
  };
}
