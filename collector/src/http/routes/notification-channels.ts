import { createRoute, z } from '@hono/zod-openapi';
import {
  abortableSleep,
  checkChannelRules,
  listOf,
  NotificationAttemptSchema,
  type NotificationChannelCreate,
  NotificationChannelCreateSchema,
  NotificationChannelFieldsSchema,
  NotificationChannelSchema,
  NotificationChannelUpdateSchema,
  NotificationTestResultSchema,
} from '@procwatch/shared';
import {
  attemptsOf,
  channelDto,
  createChannel,
  deleteChannel,
  findChannel,
  listChannels,
  recentDeliveries,
  updateChannel,
} from '../../notify/channel-store.ts';
import { testNotice } from '../../notify/notice.ts';
import { createNotifier } from '../../notify/notifier.ts';
import { enqueueTestNotification } from '../../notify/outbox.ts';
import type { NotificationChannelRow } from '../../notify/tables.ts';
import { engineDb } from '../../warnings/tables.ts';
import { ApiError } from '../api-error.ts';
import type { AppDeps } from '../app-deps.ts';
import { isDatabaseError } from '../database-errors.ts';
import { adminAuth } from '../middleware/auth.ts';
import { jsonBody } from '../middleware/json-body.ts';
import {
  ADMIN_BODY_LIMITS,
  ADMIN_PROBLEMS,
  ADMIN_SECURITY,
  IdParamsSchema,
  json,
  jsonRequest,
  openapi,
  problems,
} from '../openapi.ts';
import type { RouteModule } from '../route-module.ts';

const Channel = openapi(NotificationChannelSchema, 'NotificationChannel');
const tags = ['notification-channels'];
const NotificationChannelCreateDoc = openapi(NotificationChannelCreateSchema, 'NotificationChannelCreate');
const NotificationChannelUpdateDoc = openapi(NotificationChannelUpdateSchema, 'NotificationChannelUpdate');
const NotificationTestResultDoc = openapi(NotificationTestResultSchema, 'NotificationTestResult');

const DeliverySchema = z
  .object({
    id: z.number().int(),
    opsWarningId: z.number().int().nullable(),
    event: z.string(),
    status: z.string(),
    last_error: z.string().nullable(),
    delivered_at: z.string().nullable(),
    createdAt: z.string(),
    attempts: z.array(NotificationAttemptSchema),
  })
  .openapi('NotificationDelivery');

const DeliveriesQuerySchema = z.strictObject({
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'must be a whole number from 1 to 200')
    .transform(Number)
    .pipe(z.number().max(200, 'must be at most 200'))
    .optional(),
});

// How long the test endpoint waits for its message's first attempt when another loop picked it up.
const TEST_WAIT_MS = 15_000;

function nameTaken(error: unknown): ApiError | undefined {
  if (
    isDatabaseError(error) &&
    error.code === '23505' &&
    error.constraint === 'NotificationChannel_name_key'
  ) {
    return ApiError.conflict('channel_name_taken', 'a notification channel with this name exists', [
      { path: 'name', message: 'is taken' },
    ]);
  }
  return undefined;
}

function fieldsOf(row: NotificationChannelRow): NotificationChannelCreate {
  const dto = channelDto(row);
  return {
    name: row.name,
    kind: dto.kind,
    url: row.url,
    secret: row.secret,
    enabled: row.enabled,
    types: dto.types,
    hostServerIds: dto.hostServerIds,
    events: dto.events,
  };
}

function routes(deps: AppDeps) {
  const auth = adminAuth(deps);
  const body = jsonBody(ADMIN_BODY_LIMITS);
  const path = '/api/v1/notification-channels';
  return {
    list: createRoute({
      method: 'get',
      path,
      tags,
      summary: 'List notification channels (URLs masked, secrets never shown)',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      responses: { 200: json(listOf(Channel), 'Channels by name'), ...problems(...ADMIN_PROBLEMS) },
    }),
    create: createRoute({
      method: 'post',
      path,
      tags,
      summary: 'Create a channel: webhook, dingtalk, wecom, feishu or slack',
      description:
        '`secret` signs messages: the webhook gets `X-Procwatch-Signature: sha256=<hex HMAC-SHA256 of the body>` ' +
        'with the body carrying `timestamp`; DingTalk gets a signed URL (`timestamp`, `sign`); Feishu a signed ' +
        'body (`timestamp`, `sign`). WeCom and Slack URLs carry their own key. Empty `types`, `hostServerIds` ' +
        'or `events` mean all.',
      security: ADMIN_SECURITY,
      middleware: [auth, body] as const,
      request: { body: jsonRequest(NotificationChannelCreateDoc) },
      responses: { 201: json(Channel, 'Created'), ...problems(...ADMIN_PROBLEMS, 409, 413, 415) },
    }),
    get: createRoute({
      method: 'get',
      path: `${path}/{id}`,
      tags,
      summary: 'Get a channel',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema },
      responses: { 200: json(Channel, 'The channel'), ...problems(...ADMIN_PROBLEMS, 404) },
    }),
    update: createRoute({
      method: 'patch',
      path: `${path}/{id}`,
      tags,
      summary: 'Change some fields of a channel (`secret: null` removes the secret; absent keeps it)',
      security: ADMIN_SECURITY,
      middleware: [auth, body] as const,
      request: {
        params: IdParamsSchema,
        body: jsonRequest(NotificationChannelUpdateDoc),
      },
      responses: { 200: json(Channel, 'Updated'), ...problems(...ADMIN_PROBLEMS, 404, 409, 413, 415) },
    }),
    remove: createRoute({
      method: 'delete',
      path: `${path}/{id}`,
      tags,
      summary: 'Delete a channel with its queued messages and their attempts',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema },
      responses: { 204: { description: 'Deleted' }, ...problems(...ADMIN_PROBLEMS, 404) },
    }),
    test: createRoute({
      method: 'post',
      path: `${path}/{id}/test`,
      tags,
      summary: 'Send a test message now and report how it went',
      description:
        'Sent even when the channel is disabled, so that it can be tried first. The answer carries the HTTP ' +
        'attempt (status code, error, duration); a failed test is not retried.',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema },
      responses: {
        200: json(NotificationTestResultDoc, 'The attempt'),
        ...problems(...ADMIN_PROBLEMS, 404),
      },
    }),
    deliveries: createRoute({
      method: 'get',
      path: `${path}/{id}/deliveries`,
      tags,
      summary: 'Recent messages of a channel with every attempt (newest first)',
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema, query: DeliveriesQuerySchema },
      responses: { 200: json(listOf(DeliverySchema), 'Deliveries'), ...problems(...ADMIN_PROBLEMS, 404) },
    }),
  };
}

/** `/api/v1/notification-channels` CRUD, test messages and delivery history. */
export const notificationChannelRoutes: RouteModule = {
  name: 'notification-channels',
  register(app, deps) {
    const r = routes(deps);
    const db = engineDb(deps.db);
    // Its own sender for test messages, so that a test answers at once, whatever the delivery loop is doing.
    const testSender = createNotifier({
      db: deps.db,
      log: deps.logger.child({ component: 'notify-test' }),
      clock: deps.clock,
    });
    deps.signal.addEventListener('abort', () => void testSender.close(), { once: true });

    app.openapi(r.list, async (c) => c.json({ items: (await listChannels(db)).map(channelDto) }, 200));
    app.openapi(r.create, async (c) => {
      try {
        const row = await createChannel(db, c.req.valid('json'), deps.clock());
        deps.logger.info({ channelId: row.id, kind: row.kind }, 'notification channel created');
        return c.json(channelDto(row), 201);
      } catch (error) {
        throw nameTaken(error) ?? error;
      }
    });
    app.openapi(r.get, async (c) => {
      const row = await findChannel(db, c.req.valid('param').id);
      if (!row) throw ApiError.notFound('this notification channel');
      return c.json(channelDto(row), 200);
    });
    app.openapi(r.update, async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const existing = await findChannel(db, id);
      if (!existing) throw ApiError.notFound('this notification channel');
      const merged = NotificationChannelFieldsSchema.superRefine(checkChannelRules).safeParse({
        ...fieldsOf(existing),
        ...patch,
      });
      if (!merged.success) throw ApiError.validation(merged.error, 'body, merged with the stored channel,');
      try {
        const row = await updateChannel(db, id, patch, deps.clock());
        if (!row) throw ApiError.notFound('this notification channel');
        return c.json(channelDto(row), 200);
      } catch (error) {
        throw nameTaken(error) ?? error;
      }
    });
    app.openapi(r.remove, async (c) => {
      const { id } = c.req.valid('param');
      if (!(await deleteChannel(db, id))) throw ApiError.notFound('this notification channel');
      deps.logger.info({ channelId: id }, 'notification channel deleted');
      return c.body(null, 204);
    });
    app.openapi(r.test, async (c) => {
      const row = await findChannel(db, c.req.valid('param').id);
      if (!row) throw ApiError.notFound('this notification channel');
      const now = deps.clock();
      const deliveryId = await enqueueTestNotification(db, row.id, testNotice(row.name, now), now);
      await testSender.deliverOne(deliveryId, now);
      // Another collector's loop may have claimed it first: wait for its first attempt to be recorded.
      const deadline = Date.now() + TEST_WAIT_MS;
      let status = 'PENDING';
      for (;;) {
        const delivery = await db
          .selectFrom('NotificationDelivery')
          .select(['status', 'attempts'])
          .where('id', '=', deliveryId)
          .executeTakeFirst();
        status = delivery?.status ?? 'FAILED';
        const attempts = await attemptsOf(db, deliveryId);
        if (status !== 'PENDING' || attempts.length > 0 || Date.now() > deadline) {
          return c.json({ deliveryId, status: status as 'PENDING' | 'DELIVERED' | 'FAILED', attempts }, 200);
        }
        await abortableSleep(100, deps.signal);
      }
    });
    app.openapi(r.deliveries, async (c) => {
      const { id } = c.req.valid('param');
      if (!(await findChannel(db, id))) throw ApiError.notFound('this notification channel');
      const items = await recentDeliveries(db, id, c.req.valid('query').limit ?? 50);
      return c.json({ items }, 200);
    });
  },
};
