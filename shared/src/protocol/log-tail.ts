import { z } from 'zod';

/** Default bounds of a log tail: last lines and bytes. */
export const LOG_TAIL_MAX_LINES = 50;
/** Default byte bound of a log tail. */
export const LOG_TAIL_MAX_BYTES = 16 * 1024;

/** Upper bounds of a tail fetched on demand (`POST /api/v1/monitors/:id/log-tail`). */
export const LOG_TAIL_ON_DEMAND_MAX_LINES = 1000;
/** Byte bound of a tail fetched on demand: what a {@link LogTailSchema} text holds. */
export const LOG_TAIL_ON_DEMAND_MAX_BYTES = 64 * 1024;

/** Why a log tail has no text. */
export const LOG_TAIL_ERROR_CODES = [
  /** Outside the host's `log_dirs` (after resolving symlinks). */
  'refused',
  /** No such file. */
  'missing',
  /** Not a regular file, or reading failed. */
  'unreadable',
  /** The agent knows no log_file for this monitor (its config is older than the request, or it has none). */
  'not_configured',
] as const;
/** Why a log tail has no text. */
export type LogTailErrorCode = (typeof LOG_TAIL_ERROR_CODES)[number];

/** A monitor's log file: an absolute path; the agent reads it only under its own `log_dirs`. */
export const LogFileSchema = z
  .string()
  .max(4096)
  .refine((p) => p.startsWith('/'), 'must be an absolute path')
  .refine((p) => !/[\u0000\n\r]/.test(p), 'must not contain NUL or newline characters');

/** The end of a monitor's log, attached to the first sample that finds it down. */
export const LogTailSchema = z.object({
  path: z.string().max(4096),
  /** The last lines (at most 50 / 16 KiB by default), or null when it could not be read. */
  text: z
    .string()
    .max(64 * 1024)
    .nullable(),
  truncated: z.boolean(),
  /** Why there is no text (outside the allowed directories, missing, unreadable). */
  error: z.string().max(500).nullable(),
  /** The reason as a code, when there is no text (agents before the on-demand tail do not send it). */
  error_code: z.enum(LOG_TAIL_ERROR_CODES).nullable().optional(),
});
/** A log tail. */
export type LogTail = z.infer<typeof LogTailSchema>;
