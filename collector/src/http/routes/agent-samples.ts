import { createRoute } from '@hono/zod-openapi';
import { SampleBatchResultSchema, SampleBatchSchema } from '@procwatch/shared';
import { storeLogTails } from '../../ingest/log-tails.ts';
import { storeProbeResults } from '../../ingest/probe-results.ts';
import { storeRestartEvents } from '../../ingest/restart-events.ts';
import { ForeignMonitorError, FutureSampleError } from '../../ingest/store-samples.ts';
import { ApiError } from '../api-error.ts';
import type { AppDeps } from '../app-deps.ts';
import { agentAuth } from '../middleware/auth.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { AGENT_SECURITY, json, jsonRequest, openapi, problems } from '../openapi.ts';
import type { RouteModule } from '../route-module.ts';

const route = (deps: AppDeps) =>
  createRoute({
    method: 'post',
    path: '/agent/v1/samples',
    tags: ['agent'],
    summary: 'Store a batch of samples',
    description:
      'Idempotent on (sample_id, checked_at): a retried or replayed batch stores nothing twice and answers ' +
      "with `duplicates`. A sample of a monitor that is not the token host's refuses the whole batch (403) " +
      'and writes nothing. Bodies may be gzip (`Content-Encoding: gzip`); limits apply on the wire and ' +
      'decoded (413). Samples older than the retention are counted in `expired` and not stored.',
    security: AGENT_SECURITY,
    middleware: [
      agentAuth(deps),
      jsonBody({ maxBytes: deps.config.maxBodyBytes, maxDecodedBytes: deps.config.maxDecodedBodyBytes }),
    ] as const,
    request: { body: jsonRequest(openapi(SampleBatchSchema, 'SampleBatch')) },
    responses: {
      200: json(openapi(SampleBatchResultSchema, 'SampleBatchResult'), 'Stored'),
      ...problems(400, 401, 403, 413, 415, 429),
    },
  });

/** `POST /agent/v1/samples`. */
export const agentSamplesRoutes: RouteModule = {
  name: 'agent-samples',
  register(app, deps) {
    app.openapi(route(deps), async (c) => {
      const batch = c.req.valid('json');
      const host = c.get('agentHost');
      try {
        await storeRestartEvents(deps.db, host.id, batch.samples, deps.clock());
        await storeProbeResults(deps.db, host.id, batch.samples, deps.clock());
        await storeLogTails(deps.db, host.id, batch.samples, deps.clock());
        const result = await deps.samples.store(batch.samples, {
          hostServerId: host.id,
          source: 'AGENT',
          returnRows: false,
        });
        return c.json(
          {
            accepted: result.accepted,
            duplicates: result.duplicates,
            ...(result.expired > 0 ? { expired: result.expired } : {}),
          },
          200,
        );
      } catch (error) {
        if (error instanceof ForeignMonitorError) {
          const foreign = new Set(error.monitorIds);
          throw new ApiError(
            403,
            'foreign_monitor',
            'the batch names monitors of another host; nothing was stored',
            {
              errors: batch.samples.flatMap((s, i) =>
                foreign.has(s.processMonitorId)
                  ? [{ path: `samples.${i}.processMonitorId`, message: 'is not a monitor of this host' }]
                  : [],
              ),
            },
          );
        }
        if (error instanceof FutureSampleError) {
          throw ApiError.badRequest(
            'sample_in_future',
            'samples are dated more than a day ahead of the collector clock; nothing was stored',
            error.indexes.map((i) => ({ path: `samples.${i}.checked_at`, message: 'is in the future' })),
          );
        }
        throw error;
      }
    });
  },
};
