import { ApiError, type FieldError } from './api-error.ts';

/** The parts of a PostgreSQL error (pg and PGlite alike) that say what went wrong. */
interface DatabaseErrorLike {
  code: string;
  message: string;
  constraint?: string | undefined;
  severity?: string;
}

/** True for an error raised by PostgreSQL (pg's DatabaseError, PGlite's equivalent). */
export function isDatabaseError(error: unknown): error is DatabaseErrorLike {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((error as { code: string }).code) &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

// Constraint names are ours (migrations), so the client hears which field clashed without SQL.
const UNIQUE: Record<string, { code: string; detail: string; errors?: FieldError[] }> = {
  HostServer_name_key: {
    code: 'host_name_taken',
    detail: 'a host with this name exists',
    errors: [{ path: 'name', message: 'is taken' }],
  },
  ProcessMonitor_hostServerId_fundAccountId_process_type_key: {
    code: 'monitor_exists',
    detail: 'this host already has a monitor of this process_type for this fund account',
    errors: [{ path: 'process_type', message: 'exists for this hostServerId and fundAccountId' }],
  },
  FundAccount_pkey: {
    code: 'fund_account_exists',
    detail: 'a fund account with this key exists',
    errors: [{ path: 'account', message: 'is taken' }],
  },
};

const REFERENCE: Record<string, FieldError> = {
  ProcessMonitor_hostServerId_fkey: { path: 'hostServerId', message: 'no host has this id' },
  ProcessMonitor_fundAccountId_fkey: { path: 'fundAccountId', message: 'no fund account has this key' },
};

// Socket errors of a connection to the database (pg raises Node's own errors for these).
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// What pg and pg-pool throw, without a code, when the server went away or cannot be reached in time.
const UNREACHABLE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * True when the database cannot be reached at all (down, restarting, network): no SQLSTATE then, only
 * a socket error or pg's "Connection terminated…". The system suite restarts PostgreSQL under load.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  return UNREACHABLE_MESSAGE.test(error.message);
}

/**
 * Maps a database error caused by the request's data to a 4xx: unique → 409, missing reference → 400,
 * still referenced → 409, bad value → 400. Database trouble (down, unreachable, overloaded) → 503.
 * Anything else → undefined (a bug: 500). Messages never carry SQL or values.
 */
export function apiErrorFromDatabase(error: unknown): ApiError | undefined {
  if (isDatabaseUnreachable(error)) {
    return ApiError.unavailable('database_unavailable', 'the database is unavailable; try again');
  }
  if (!isDatabaseError(error)) return undefined;
  const { code, constraint } = error;
  if (code === '23505') {
    const known = constraint ? UNIQUE[constraint] : undefined;
    return ApiError.conflict(known?.code ?? 'conflict', known?.detail ?? 'this record exists', known?.errors);
  }
  if (code === '23503') {
    // "insert or update on table … violates" = a reference to nothing; "update or delete on table …
    // violates" = the row is still referenced.
    if (error.message.startsWith('insert or update')) {
      const field = constraint ? REFERENCE[constraint] : undefined;
      return ApiError.badRequest(
        'unknown_reference',
        field ? `${field.path}: ${field.message}` : 'a referenced record does not exist',
        field ? [field] : undefined,
      );
    }
    return ApiError.conflict('still_referenced', 'other records still refer to this one');
  }
  if (code === '23502' || code === '23514' || code.startsWith('22')) {
    return ApiError.badRequest('invalid_value', 'a value is out of range or not storable');
  }
  if (code.startsWith('08') || code === '57P01' || code === '57P03' || code === '53300' || code === '57014') {
    return ApiError.unavailable('database_unavailable', 'the database is unavailable; try again');
  }
  if (code === '40001' || code === '40P01') {
    return ApiError.unavailable('database_busy', 'the database is busy; try again');
  }
  return undefined;
}
