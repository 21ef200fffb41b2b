import { z } from '@hono/zod-openapi';
import { INT4_MAX, PROBLEM_CONTENT_TYPE, ProblemSchema } from '@procwatch/shared';
import type { ApiApp } from './route-module.ts';

/** Security scheme names of the OpenAPI document. */
export const ADMIN_SECURITY = [{ adminToken: [] }];
export const AGENT_SECURITY = [{ agentToken: [] }];

/** Request bodies of the admin API are small; the agent's sample batches have their own limits. */
export const ADMIN_BODY_LIMITS = { maxBytes: 1024 * 1024, maxDecodedBytes: 1024 * 1024 } as const;

/**
 * `schema.openapi(...)` for any zod schema. Schemas made before @hono/zod-openapi extended zod (the
 * shared ones, when shared is imported first) lack the method, so it is called from the prototype.
 */
export function openapi<T extends z.ZodType>(schema: T, ...args: unknown[]): T {
  const method = (z.ZodType.prototype as unknown as { openapi: (...a: unknown[]) => T }).openapi;
  return method.apply(schema, args);
}

const ProblemDoc = openapi(ProblemSchema, 'Problem');

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request; `errors` names each bad field',
  401: 'Missing or invalid bearer token',
  403: 'Not allowed for this token',
  404: 'No such record',
  405: 'Method not allowed (see the Allow header)',
  409: 'Conflicts with stored data',
  413: 'Body too large (on the wire or decoded)',
  415: 'Content-Type must be application/json; only gzip content coding',
  429: 'Too many failed authentication attempts from this address',
  503: 'Database unavailable',
};

/** OpenAPI responses for problem+json errors of the given statuses. */
export function problems(...statuses: number[]) {
  const out: Record<number, { description: string; content: Record<string, { schema: typeof ProblemDoc }> }> =
    {};
  for (const status of statuses) {
    out[status] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'Error',
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemDoc } },
    };
  }
  return out;
}

/** Problems every admin route may answer. */
export const ADMIN_PROBLEMS = [400, 401, 429] as const;

/** A JSON body or response of `schema`. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** A required JSON request body. */
export function jsonRequest<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}

/** `{id}` path parameter: a positive integer. */
export const IdParamsSchema = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive whole number')
    .transform(Number)
    .pipe(z.number().max(INT4_MAX, 'is out of range'))
    .openapi({ param: { name: 'id', in: 'path' }, type: 'integer', example: 1 }),
});

/** Registers the security schemes used by the routes. */
export function registerSecuritySchemes(app: ApiApp): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The admin token (PROCWATCH_ADMIN_TOKEN, or the one printed at first start).',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'agentToken', {
    type: 'http',
    scheme: 'bearer',
    description:
      'A host agent token `pwa_<id>_<secret>`, shown once when the host is created or its token rotated.',
  });
}
