import { createRoute, z } from '@hono/zod-openapi';
import { AgentCommandListSchema } from '@procwatch/shared';
import type { AppDeps } from '../app-deps.ts';
import { agentAuth } from '../middleware/auth.ts';
import { AGENT_SECURITY, json, openapi, problems } from '../openapi.ts';
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

/** `GET /agent/v1/commands`. */
export const agentCommandRoutes: RouteModule = {
  name: 'agent-commands',
  register(app, deps) {
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
