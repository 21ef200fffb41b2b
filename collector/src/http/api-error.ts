import { fieldErrors } from '@procwatch/shared';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

/** One field-level error of a problem document. */
export interface FieldError {
  path: string;
  message: string;
}

// A batch of 1000 bad samples yields thousands of issues: the first ones tell the client enough.
const MAX_FIELD_ERRORS = 100;
const MAX_MESSAGE_LENGTH = 300;

function clip(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

/**
 * The one error type of the HTTP API: a status, a stable machine-readable `code` and a detail safe
 * to show the client. `onError` turns it into RFC 9457 problem+json; anything else becomes a 500.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    detail: string,
    options: { errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, { cause: options.cause });
    this.errors = options.errors?.slice(0, MAX_FIELD_ERRORS).map((e) => ({
      path: clip(e.path),
      message: clip(e.message),
    }));
    this.headers = options.headers;
  }

  /** 400 naming each bad field of a zod failure; `where` says which part of the request. */
  static validation(error: z.ZodError, where: string): ApiError {
    return new ApiError(400, 'validation_failed', `the request ${where} is invalid`, {
      errors: fieldErrors(error),
    });
  }

  static badRequest(code: string, detail: string, errors?: FieldError[]): ApiError {
    return new ApiError(400, code, detail, errors ? { errors } : {});
  }

  static unauthorized(code: string, detail: string, realm: string): ApiError {
    return new ApiError(401, code, detail, {
      headers: {
        'WWW-Authenticate': `Bearer realm="${realm}"${code === 'invalid_token' ? ', error="invalid_token"' : ''}`,
      },
    });
  }

  static forbidden(code: string, detail: string): ApiError {
    return new ApiError(403, code, detail);
  }

  static notFound(what: string): ApiError {
    return new ApiError(404, 'not_found', `${what} does not exist`);
  }

  static conflict(code: string, detail: string, errors?: FieldError[]): ApiError {
    return new ApiError(409, code, detail, errors ? { errors } : {});
  }

  static payloadTooLarge(detail: string): ApiError {
    return new ApiError(413, 'payload_too_large', detail);
  }

  static unsupportedMediaType(code: string, detail: string): ApiError {
    return new ApiError(415, code, detail);
  }

  static tooManyRequests(retryAfterSeconds: number): ApiError {
    return new ApiError(
      429,
      'too_many_requests',
      'too many failed authentication attempts; try again later',
      {
        headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
      },
    );
  }

  static unavailable(code: string, detail: string): ApiError {
    return new ApiError(503, code, detail, { headers: { 'Retry-After': '5' } });
  }
}
