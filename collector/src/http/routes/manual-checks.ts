import { createRoute, z } from '@hono/zod-openapi';
import { PROCESS_STATUS_TYPES, SAMPLE_SOURCES } from '@procwatch/shared';
import { checkServicesOf } from '../../checks/check-services.ts';
import { ManualCheckError, type ManualCheckResult } from '../../checks/manual-check.ts';
import { ApiError } from '../api-error.ts';
import type { AppDeps } from '../app-deps.ts';
import { adminAuth } from '../middleware/auth.ts';
import { ADMIN_PROBLEMS, ADMIN_SECURITY, IdParamsSchema, json, problems } from '../openapi.ts';
import type { RouteModule } from '../route-module.ts';

const CheckSampleSchema = z
  .object({
    processMonitorId: z.number().int(),
    sample_id: z.string(),
    source: z.enum(SAMPLE_SOURCES),
    status: z.enum(PROCESS_STATUS_TYPES),
    pid: z.number().int().nullable(),
    cpu_percent: z.number().nullable(),
    memory_percent: z.number().nullable(),
    memory_used_mb: z.number().nullable(),
    uptime_seconds: z.number().int().nullable(),
    start_time: z.string().nullable(),
    trade_day: z.string(),
    checked_at: z.string(),
    check_duration_ms: z.number().int().nullable(),
    error_message: z.string().nullable(),
    process_count: z.number().int(),
  })
  .openapi('CheckSample');

const CheckResultSchema = z
  .object({
    via: z.enum(['agent', 'ssh']).openapi({ description: 'Which path served the check.' }),
    hostServerId: z.number().int(),
    fallback_reason: z
      .enum(['agent_offline', 'agent_timeout'])
      .nullable()
      .openapi({ description: 'Why SSH served it; null when the agent did.' }),
    samples: z.array(CheckSampleSchema),
    sample: CheckSampleSchema.optional().openapi({ description: 'The one sample of a monitor check.' }),
  })
  .openapi('CheckResult');

const DESCRIPTION =
  'Agent online: a check_now command through its long-poll; the answer carries the fresh samples (waits up to 5 s). ' +
  'Agent offline (or silent past the wait): checked over SSH with the pinned host key. `via` says which path ' +
  'served it. 409 when the target is inactive, or the agent is offline and SSH is not possible; 504 when the ' +
  'agent did not answer and SSH is not possible.';

function routes(deps: AppDeps) {
  const auth = adminAuth(deps);
  const responses = {
    200: json(CheckResultSchema, 'The fresh samples and the path that served them'),
    ...problems(...ADMIN_PROBLEMS, 404, 409, 504),
  };
  return {
    monitor: createRoute({
      method: 'post',
      path: '/api/v1/monitors/{id}/check',
      tags: ['monitors'],
      summary: 'Check a monitor now',
      description: DESCRIPTION,
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema },
      responses,
    }),
    host: createRoute({
      method: 'post',
      path: '/api/v1/hosts/{id}/check',
      tags: ['hosts'],
      summary: 'Check every active monitor of a host now',
      description: DESCRIPTION,
      security: ADMIN_SECURITY,
      middleware: [auth] as const,
      request: { params: IdParamsSchema },
      responses,
    }),
  };
}

function apiErrorOf(error: unknown): unknown {
  if (!(error instanceof ManualCheckError)) return error;
  switch (error.code) {
    case 'monitor_not_found':
      return ApiError.notFound('this monitor');
    case 'host_not_found':
      return ApiError.notFound('this host');
    case 'monitor_inactive':
    case 'host_inactive':
    case 'no_active_monitors':
    case 'no_check_path':
      return ApiError.conflict(error.code, error.message);
    case 'agent_timeout':
      return new ApiError(504, error.code, error.message);
    default:
      return error.code satisfies never;
  }
}

async function answer(run: () => Promise<ManualCheckResult>, withSample: boolean) {
  try {
    const result = await run();
    return withSample ? { ...result, sample: result.samples[0] } : result;
  } catch (error) {
    throw apiErrorOf(error);
  }
}

/** `POST /api/v1/monitors/:id/check` and `POST /api/v1/hosts/:id/check` (manual checks). */
export const manualCheckRoutes: RouteModule = {
  name: 'manual-checks',
  register(app, deps) {
    const r = routes(deps);
    app.openapi(r.monitor, async (c) => {
      const { id } = c.req.valid('param');
      const signal = AbortSignal.any([c.req.raw.signal, deps.signal]);
      const services = checkServicesOf(deps);
      return c.json(await answer(() => services.manualChecks.checkMonitor(id, { signal }), true), 200);
    });
    app.openapi(r.host, async (c) => {
      const { id } = c.req.valid('param');
      const signal = AbortSignal.any([c.req.raw.signal, deps.signal]);
      const services = checkServicesOf(deps);
      return c.json(await answer(() => services.manualChecks.checkHost(id, { signal }), false), 200);
    });
  },
};
