import { createHash } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import { AgentConfigSchema } from '@procwatch/shared';
import { agentConfigFor } from '../../queries/agent-config.ts';
import { agentAuth } from '../middleware/auth.ts';
import { AGENT_SECURITY, json, openapi, problems } from '../openapi.ts';
import type { RouteModule } from '../route-module.ts';

const route = (mw: ReturnType<typeof agentAuth>) =>
  createRoute({
    method: 'get',
    path: '/agent/v1/config',
    tags: ['agent'],
    summary: "The host's active monitors, agent settings and trading calendar",
    description: 'Sends an ETag; a request with a matching If-None-Match gets 304 and no body.',
    security: AGENT_SECURITY,
    middleware: [mw] as const,
    responses: {
      200: json(openapi(AgentConfigSchema, 'AgentConfig'), 'The configuration'),
      304: { description: 'Unchanged since the ETag in If-None-Match' },
      ...problems(401, 429),
    },
  });

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** `GET /agent/v1/config`, with ETag / 304. */
export const agentConfigRoutes: RouteModule = {
  name: 'agent-config',
  register(app, deps) {
    app.openapi(route(agentAuth(deps)), async (c) => {
      const config = await agentConfigFor(
        deps.db,
        c.get('agentHost'),
        deps.config.agentSettings,
        deps.config.calendar,
      );
      const body = JSON.stringify(config);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
      const headers = { ETag: etag, 'Cache-Control': 'no-cache' };
      if (matchesEtag(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
      return c.body(body, 200, { ...headers, 'Content-Type': 'application/json' });
    });
  },
};
