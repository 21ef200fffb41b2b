import { z } from 'zod';

// C0 controls other than tab, and DEL. Names end up in logs, SSH-free matching and HTML:
// refusing control characters keeps log lines and dashboard cells one line each.
const CONTROL_CHARS = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** A human-facing name: trimmed, 1..max characters, no control characters. */
export function nameText(max: number) {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters');
}

/** Free text (remarks): up to max characters; newlines allowed, other control characters not. */
export function freeText(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine(
      (s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s),
      'must not contain control characters',
    );
}

/** An ISO-8601 instant with an explicit offset (`Z` or `+08:00`). */
export const InstantSchema = z.iso.datetime({
  offset: true,
  message: 'must be an ISO-8601 date-time with offset',
});

/** A trade day, `YYYYMMDD`. */
export const TradeDaySchema = z.string().regex(/^\d{8}$/, 'must be YYYYMMDD');
