import { createRoute, z } from '@hono/zod-openapi';
import { AgentCommandListSchema, AgentCommandResultSchema } from '@procwatch/shared';
import { ApiError } from '../api-error.ts';
import type { AppDeps } from '../app-deps.ts';
import { agentAuth } from '../middleware/auth.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { AGENT_SECURITY, json, jsonRequest, openapi, problems } from '../openapi.ts';
import type { RouteModule } from '../route-module.ts';

const QuerySchema = z.strictObject({
  wait: z
    .string()
    .regex(/^[0-9]{1,2}$/, 'must be a whole number of seconds from 0 to 60')
    .transform(Number)
    .pipe(z.number().max(60, 'must be a whole number of seconds from 0 to 60'))
    .optional()
    .openapi({ description: 'Longest hold, seconds (capped by the collector, default its maximum, 30 s).' }),
});

const route = (deps: AppDeps) =>
  createRoute({
    method: 'get',
    path: '/agent/v1/commands',
    tags: ['agent'],
    summary: 'Long-poll for commands ("check now")',
    description:
      'Held until a command arrives or the wait ends (at most PROCWATCH_LONG_POLL_SECONDS, 30 s by default). ' +
      '204 when nothing came. A command is delivered once.',
    security: AGENT_SECURITY,
    middleware: [agentAuth(deps)] as const,
    request: { query: QuerySchema },
    responses: {
      200: json(openapi(AgentCommandListSchema, 'AgentCommandList'), 'Commands to run'),
      204: { description: 'Nothing to do' },
      ...problems(400, 401, 429),
    },
  });

const CommandParamsSchema = z.object({
  id: z
    .uuid('must be a command id')
    .openapi({ param: { name: 'id', in: 'path' }, example: '3f2b8c1e-6a0d-4c57-9e1a-2d4b7f6c8a90' }),
});

// A log tail of 64 KiB of text, escaped as JSON, stays well inside this.
const RESULT_BODY_LIMITS = { maxBytes: 512 * 1024, maxDecodedBytes: 512 * 1024 } as const;

const resultRoute = (deps: AppDeps) =>
  createRoute({
    method: 'post',
    path: '/agent/v1/commands/{id}/result',
    tags: ['agent'],
    summary: 'Answer a command that asks for something (a log tail)',
    description:
      "Stored once on the command, where the collector that asked finds it. A command of another host is 404 (as if it did not exist), an answer of another kind than the command's 409 `wrong_kind`, a second answer 409 `already_answered`.",
    security: AGENT_SECURITY,
    middleware: [agentAuth(deps), jsonBody(RESULT_BODY_LIMITS)] as const,
    request: {
      params: CommandParamsSchema,
      body: jsonRequest(openapi(AgentCommandResultSchema, 'AgentCommandResult')),
    },
    responses: {
      204: { description: 'Stored' },
      ...problems(400, 401, 404, 409, 413, 415, 429),
    },
  });

/** `GET /agent/v1/commands` and `POST /agent/v1/commands/:id/result`. */
export const agentCommandRoutes: RouteModule = {
  name: 'agent-commands',
  register(app, deps) {
    app.openapi(resultRoute(deps), async (c) => {
      const { id } = c.req.valid('param');
      const { protocol: _protocol, kind, ...result } = c.req.valid('json');
      const outcome = await deps.commands.complete(c.get('agentHost').id, id, kind, result);
      switch (outcome) {
        case 'stored':
          return c.body(null, 204);
        case 'not_found':
          throw ApiError.notFound('this command');
        case 'wrong_kind':
          throw ApiError.conflict('wrong_kind', `this command is not a ${kind} command`);
        case 'already_answered':
          throw ApiError.conflict('already_answered', 'this command has been answered');
        default:
          return outcome satisfies never;
      }
    });
    app.openapi(route(deps), async (c) => {
      const { wait } = c.req.valid('query');
      const maxSeconds = deps.config.longPollSeconds;
      const waitMs = Math.min(wait ?? maxSeconds, maxSeconds) * 1000;
      // Ends early when the client goes away or the collector stops.
      const signal = AbortSignal.any([c.req.raw.signal, deps.signal]);
      const commands = await deps.commands.take(c.get('agentHost').id, { waitMs, signal });
      if (commands.length === 0) return c.body(null, 204);
      return c.json({ commands }, 200);
    });
  },
};
