import { z } from 'zod';

/** Default bounds of a log tail: last lines and bytes. */
export const LOG_TAIL_MAX_LINES = 50;
/** Default byte bound of a log tail. */
export const LOG_TAIL_MAX_BYTES = 16 * 1024;

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
});
/** A log tail. */
export type LogTail = z.infer<typeof LogTailSchema>;
