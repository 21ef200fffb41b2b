import { createRoute } from '@hono/zod-openapi';
import { HeartbeatAckSchema, HeartbeatSchema } from '@procwatch/shared';
import { runHook } from '../../ingest/hooks.ts';
import { recordHeartbeat } from '../../queries/heartbeat.ts';
import type { AppDeps } from '../app-deps.ts';
import { agentAuth } from '../middleware/auth.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { ADMIN_BODY_LIMITS, AGENT_SECURITY, json, jsonRequest, openapi, problems } from '../openapi.ts';
import type { RouteModule } from '../route-module.ts';

const route = (deps: AppDeps) =>
  createRoute({
    method: 'post',
    path: '/agent/v1/heartbeat',
    tags: ['agent'],
    summary: "Report the agent's state; updates the host's last heartbeat",
    security: AGENT_SECURITY,
    middleware: [agentAuth(deps), jsonBody(ADMIN_BODY_LIMITS)] as const,
    request: { body: jsonRequest(openapi(HeartbeatSchema, 'Heartbeat')) },
    responses: {
      200: json(openapi(HeartbeatAckSchema, 'HeartbeatAck'), 'Recorded'),
      ...problems(400, 401, 413, 415, 429),
    },
  });

/** `POST /agent/v1/heartbeat`. */
export const agentHeartbeatRoutes: RouteModule = {
  name: 'agent-heartbeat',
  register(app, deps) {
    // spool_lost counts since the spool was created: warn when it grows, not on every heartbeat after
    // one loss (a warning every 15 s for the life of the spool; seen in the system suite's disk-full run).
    const lostSeen = new Map<number, number>();
    app.openapi(route(deps), async (c) => {
      const heartbeat = c.req.valid('json');
      const host = c.get('agentHost');
      const at = deps.clock();
      await recordHeartbeat(deps.db, host.id, heartbeat, at);
      if (heartbeat.spool_lost > (lostSeen.get(host.id) ?? 0)) {
        deps.logger.warn(
          { hostServerId: host.id, spoolLost: heartbeat.spool_lost },
          'agent reports lost samples',
        );
      }
      lostSeen.set(host.id, heartbeat.spool_lost);
      const hook = deps.hooks.onHeartbeat;
      if (hook)
        await runHook(deps.logger, 'onHeartbeat', () => hook({ hostServerId: host.id, at, heartbeat }));
      return c.json({ server_time: at.toISOString() }, 200);
    });
  },
};
