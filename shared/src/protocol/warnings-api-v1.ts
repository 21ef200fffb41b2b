import { z } from 'zod';
import {
  OPS_WARNING_STATUSES,
  OPS_WARNING_TYPES,
  OpsWarningStatusSchema,
  OpsWarningTypeSchema,
} from '../model/enums.ts';
import { freeText, InstantSchema, nameText } from '../model/text.ts';
import { IdSchema, QueryBoolean, QueryId, queryList } from './admin-api-v1.ts';

// DTOs of the warning API v1: `/api/v1/warnings`, `/api/v1/notification-channels`, `/api/v1/mutes`.
// Request bodies are strict (a misspelt field is a 400); responses never carry a channel secret in full.

const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

/** Kinds of notification channel: a generic signed JSON webhook and four chat services' robots. */
export const NOTIFICATION_CHANNEL_KINDS = ['webhook', 'dingtalk', 'wecom', 'feishu', 'slack'] as const;
/** zod schema of {@link NotificationChannelKind}. */
export const NotificationChannelKindSchema = z.enum(NOTIFICATION_CHANNEL_KINDS);
/** Kind of notification channel. */
export type NotificationChannelKind = z.infer<typeof NotificationChannelKindSchema>;

/** Events a channel can subscribe to. */
export const NOTIFICATION_CHANNEL_EVENTS = ['opened', 'resolved', 'reminder'] as const;
/** zod schema of one subscribable event. */
export const NotificationChannelEventSchema = z.enum(NOTIFICATION_CHANNEL_EVENTS);

/** Query of `GET /api/v1/warnings`; newest first (by last_seen_at, then id), keyset-paginated by `cursor`. */
export const WarningListQuerySchema = z.strictObject({
  status: queryList(OPS_WARNING_STATUSES, 400).optional(),
  type: queryList(OPS_WARNING_TYPES, 400).optional(),
  hostServerId: QueryId.optional(),
  processMonitorId: QueryId.optional(),
  /** Only warnings seen at or after this instant (last_seen_at). */
  since: InstantSchema.optional(),
  /** `true`: only warnings held by a down dependency; `false`: only the others. */
  suppressed: QueryBoolean.optional(),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, 'must be a whole number from 1 to 500')
    .transform(Number)
    .pipe(z.number().max(500, 'must be at most 500'))
    .optional(),
  cursor: z.string().max(200, 'is not a cursor of this list').optional(),
});
/** Query of the warning list. */
export type WarningListQuery = z.infer<typeof WarningListQuerySchema>;

/** An OpsWarning as the API shows it. */
export const WarningSchema = z.object({
  id: IdSchema,
  type: OpsWarningTypeSchema,
  status: OpsWarningStatusSchema,
  hostServerId: IdSchema.nullable(),
  host_name: z.string().nullable(),
  processMonitorId: IdSchema.nullable(),
  monitor_name: z.string().nullable(),
  dedup_key: z.string(),
  title: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
  count: z.number().int(),
  first_seen_at: InstantSchema,
  last_seen_at: InstantSchema,
  acknowledged_at: InstantSchema.nullable(),
  acknowledged_by: z.string().nullable(),
  ack_note: z.string().nullable(),
  resolved_at: InstantSchema.nullable(),
  resolve_reason: z.string().nullable(),
  reminder_count: z.number().int(),
  /**
   * While set: this monitor, a dependency, is down and explains the warning; its notifications are held.
   * Cleared when the dependency is back and the trouble is not (then it is notified). `details.caused_by`
   * keeps what explained it at opening.
   */
  suppressed_by: IdSchema.nullable(),
  suppressed_by_name: z.string().nullable(),
  createdAt: InstantSchema,
  updatedAt: InstantSchema,
});
/** A warning as the API shows it. */
export type Warning = z.infer<typeof WarningSchema>;

/** A page of warnings: `next_cursor` fetches the next (older) page; null at the end. */
export const WarningPageSchema = z.object({
  items: z.array(WarningSchema),
  next_cursor: z.string().nullable(),
});
/** A page of warnings. */
export type WarningPage = z.infer<typeof WarningPageSchema>;

/** Body of `POST /api/v1/warnings/:id/ack`: who acknowledges, and an optional note. */
export const WarningAckSchema = z.strictObject({
  by: nameText(200),
  note: freeText(2000).nullable().optional(),
});
/** An acknowledgement. */
export type WarningAck = z.infer<typeof WarningAckSchema>;

/** A channel URL: absolute http(s), no credentials in the authority, no control characters. */
export const ChannelUrlSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(2000, 'must be at most 2000 characters')
  .regex(NO_CONTROL, 'must not contain control characters')
  .superRefine((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
    }
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password' });
    }
  });

/** A channel signing secret (DingTalk `SEC…`, Feishu, or the generic webhook's HMAC key). */
export const ChannelSecretSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(512, 'must be at most 512 characters')
  .regex(/^[\u0021-\u007e]+$/, 'must be printable ASCII without spaces');

/** Fields of a notification channel that an admin sets. */
export const NotificationChannelFieldsSchema = z.strictObject({
  name: nameText(200),
  kind: NotificationChannelKindSchema,
  url: ChannelUrlSchema,
  /** Signing secret: webhook (HMAC of the body), DingTalk and Feishu (signed robots). WeCom and Slack have none. */
  secret: ChannelSecretSchema.nullable().optional(),
  enabled: z.boolean().optional(),
  /** Warning types to send; empty or absent = all. */
  types: z.array(OpsWarningTypeSchema).max(OPS_WARNING_TYPES.length).optional(),
  /** Hosts whose warnings to send; empty or absent = all. */
  hostServerIds: z.array(IdSchema).max(1000).optional(),
  /** Events to send; empty or absent = all. */
  events: z.array(NotificationChannelEventSchema).max(NOTIFICATION_CHANNEL_EVENTS.length).optional(),
});

/** Rules across fields; applied on create and on the merged record of an update. */
export function checkChannelRules(
  c: { kind?: NotificationChannelKind | undefined; secret?: string | null | undefined },
  ctx: z.RefinementCtx,
): void {
  if ((c.kind === 'wecom' || c.kind === 'slack') && c.secret) {
    ctx.addIssue({
      code: 'custom',
      path: ['secret'],
      message: `${c.kind} robots are not signed: the key in the URL is the secret; leave secret empty`,
    });
  }
}

/** Body of `POST /api/v1/notification-channels`. */
export const NotificationChannelCreateSchema = NotificationChannelFieldsSchema.superRefine(checkChannelRules);
/** Input of a channel create. */
export type NotificationChannelCreate = z.infer<typeof NotificationChannelCreateSchema>;
/** Body of `PATCH /api/v1/notification-channels/:id`: any subset; `secret: null` clears it, absent keeps it. */
export const NotificationChannelUpdateSchema = NotificationChannelFieldsSchema.partial();
/** A partial channel update. */
export type NotificationChannelUpdate = z.infer<typeof NotificationChannelUpdateSchema>;

/** A notification channel as the API shows it: the URL with its tokens masked, never the secret. */
export const NotificationChannelSchema = z.object({
  id: IdSchema,
  name: z.string(),
  kind: NotificationChannelKindSchema,
  /** The URL with access tokens and keys masked (`…1a2b`). */
  url: z.string(),
  has_secret: z.boolean(),
  enabled: z.boolean(),
  types: z.array(OpsWarningTypeSchema),
  hostServerIds: z.array(IdSchema),
  events: z.array(NotificationChannelEventSchema),
  createdAt: InstantSchema,
  updatedAt: InstantSchema,
});
/** A channel as the API shows it. */
export type NotificationChannel = z.infer<typeof NotificationChannelSchema>;

/** One HTTP attempt of a delivery. */
export const NotificationAttemptSchema = z.object({
  attempt: z.number().int(),
  started_at: InstantSchema,
  duration_ms: z.number().int(),
  ok: z.boolean(),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
});
/** One HTTP attempt of a delivery. */
export type NotificationAttempt = z.infer<typeof NotificationAttemptSchema>;

/** Answer to `POST /api/v1/notification-channels/:id/test`: the delivery and how its first attempt went. */
export const NotificationTestResultSchema = z.object({
  deliveryId: z.number().int(),
  status: z.enum(['PENDING', 'DELIVERED', 'FAILED']),
  attempts: z.array(NotificationAttemptSchema),
});
/** Result of a test message. */
export type NotificationTestResult = z.infer<typeof NotificationTestResultSchema>;

/** Body of `POST /api/v1/mutes`: mute one monitor or one host until a time. */
export const MuteCreateSchema = z
  .strictObject({
    processMonitorId: IdSchema.optional(),
    hostServerId: IdSchema.optional(),
    /** Default: now. */
    starts_at: InstantSchema.optional(),
    muted_until: InstantSchema,
    reason: freeText(2000).nullable().optional(),
    created_by: nameText(200).nullable().optional(),
  })
  .superRefine((m, ctx) => {
    if ((m.processMonitorId === undefined) === (m.hostServerId === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['processMonitorId'],
        message: 'give exactly one of processMonitorId and hostServerId',
      });
    }
    if (m.starts_at && Date.parse(m.muted_until) <= Date.parse(m.starts_at)) {
      ctx.addIssue({ code: 'custom', path: ['muted_until'], message: 'must be after starts_at' });
    }
  });
/** Input of a mute create. */
export type MuteCreate = z.infer<typeof MuteCreateSchema>;

/** Body of `PATCH /api/v1/mutes/:id`: move its end (e.g. end it now) or change the reason. */
export const MuteUpdateSchema = z.strictObject({
  muted_until: InstantSchema.optional(),
  reason: freeText(2000).nullable().optional(),
});
/** A partial mute update. */
export type MuteUpdate = z.infer<typeof MuteUpdateSchema>;

/** Query of `GET /api/v1/mutes`: active (not yet ended) ones by default. */
export const MuteListQuerySchema = z.strictObject({
  include_expired: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional(),
  hostServerId: QueryId.optional(),
  processMonitorId: QueryId.optional(),
});
/** Query of the mute list. */
export type MuteListQuery = z.infer<typeof MuteListQuerySchema>;

/** A mute as the API shows it. */
export const MuteSchema = z.object({
  id: IdSchema,
  processMonitorId: IdSchema.nullable(),
  hostServerId: IdSchema.nullable(),
  starts_at: InstantSchema,
  muted_until: InstantSchema,
  reason: z.string().nullable(),
  created_by: z.string().nullable(),
  /** In force now. */
  active: z.boolean(),
  createdAt: InstantSchema,
  updatedAt: InstantSchema,
});
/** A mute as the API shows it. */
export type Mute = z.infer<typeof MuteSchema>;
