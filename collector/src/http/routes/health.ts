import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { ApiError } from '../api-error.ts';
import { json, problems } from '../openapi.ts';
import type { RouteModule } from '../route-module.ts';

const READY_TIMEOUT_MS = 2_000;

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['health'],
  summary: 'The process is up',
  responses: { 200: json(z.object({ status: z.literal('ok') }), 'Alive') },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['health'],
  summary: 'The database answers',
  responses: {
    200: json(z.object({ status: z.literal('ready') }), 'Ready'),
    ...problems(503),
  },
});

/** `/healthz` (the process) and `/readyz` (the database). */
export const healthRoutes: RouteModule = {
  name: 'health',
  register(app, deps) {
    app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200));
    app.openapi(readyz, async (c) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), READY_TIMEOUT_MS);
      });
      try {
        await Promise.race([sql`SELECT 1`.execute(deps.db), timeout]);
      } catch (error) {
        deps.logger.warn({ err: error }, 'readiness check failed');
        throw ApiError.unavailable('database_unavailable', 'the database does not answer');
      } finally {
        clearTimeout(timer);
      }
      return c.json({ status: 'ready' as const }, 200);
    });
  },
};
