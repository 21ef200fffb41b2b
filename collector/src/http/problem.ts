import { PROBLEM_CONTENT_TYPE, type Problem } from '@procwatch/shared';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from '../logger.ts';
import { ApiError } from './api-error.ts';
import type { AppEnv } from './app-env.ts';
import { apiErrorFromDatabase } from './database-errors.ts';
import { getReasonPhrase } from './reason-phrases.ts';

/** The RFC 9457 document of an ApiError, for `instance` = the request path. */
export function problemOf(error: ApiError, instance: string): Problem {
  return {
    type: `urn:procwatch:problem:${error.code}`,
    title: getReasonPhrase(error.status),
    status: error.status,
    code: error.code,
    detail: error.message,
    instance,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

/** A problem+json response for an ApiError. */
export function problemResponse(c: Context, error: ApiError): Response {
  const headers = new Headers(error.headers);
  headers.set('Content-Type', PROBLEM_CONTENT_TYPE);
  return new Response(JSON.stringify(problemOf(error, c.req.path)), { status: error.status, headers });
}

// Hono's own exceptions (validator, zod-openapi's media type gate) carry a status and a message
// we did not write: give them our codes.
function fromHttpException(error: HTTPException): ApiError {
  switch (error.status) {
    case 400:
      return ApiError.badRequest('malformed_request', 'the request is malformed');
    case 413:
      return ApiError.payloadTooLarge('the request body is too large');
    case 415:
      return ApiError.unsupportedMediaType('unsupported_media_type', 'send application/json');
    case 401:
      return new ApiError(401, 'unauthorized', 'authentication required');
    default:
      return error.status >= 400 && error.status < 500
        ? new ApiError(error.status, 'client_error', 'the request cannot be served')
        : new ApiError(500, 'internal_error', 'internal error');
  }
}

/**
 * The one error handler: ApiError as is, database errors caused by the data as 4xx, everything
 * else as a logged 500 whose body says nothing about the internals.
 */
export function errorHandler(logger: Logger): ErrorHandler<AppEnv> {
  return (error, c) => {
    let apiError: ApiError | undefined;
    if (error instanceof ApiError) apiError = error;
    else if (error instanceof HTTPException) apiError = fromHttpException(error);
    else apiError = apiErrorFromDatabase(error);
    if (apiError === undefined || apiError.status >= 500) {
      // Only the message and the database's own fields: pg errors also carry the query's parameters.
      const e = error as { code?: unknown; constraint?: unknown; stack?: unknown };
      logger.error(
        {
          method: c.req.method,
          path: c.req.path,
          err: {
            name: error.name,
            message: error.message,
            code: e.code,
            constraint: e.constraint,
            stack: e.stack,
          },
        },
        'request failed',
      );
    }
    return problemResponse(c, apiError ?? new ApiError(500, 'internal_error', 'internal error'));
  };
}

/** 404 for a path no route serves. */
export const notFoundHandler: NotFoundHandler<AppEnv> = (c) =>
  problemResponse(c, new ApiError(404, 'route_not_found', `no route serves ${c.req.method} ${c.req.path}`));

/** 405 with an Allow header, for a path served under other methods. */
export function methodNotAllowedResponse(c: Context, allowed: string[]): Response {
  return problemResponse(
    c,
    new ApiError(
      405,
      'method_not_allowed',
      `${c.req.method} is not allowed here; use ${allowed.join(', ')}`,
      {
        headers: { Allow: allowed.join(', ') },
      },
    ),
  );
}
