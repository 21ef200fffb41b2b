import { z } from 'zod';

/** One field-level error of a problem document: where, and what is wrong. */
export const FieldErrorSchema = z.object({ path: z.string(), message: z.string() });

/** RFC 9457 problem details, with a stable machine-readable `code`. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(FieldErrorSchema).optional(),
});
/** RFC 9457 problem details. */
export type Problem = z.infer<typeof ProblemSchema>;

/** Media type of problem documents. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Flattens zod issues into `{ path, message }` pairs with dotted paths (`monitors.0.command_pattern`). */
export function fieldErrors(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

/** One line naming each bad field, for CLI and log output. */
export function describeZodError(error: z.ZodError): string {
  return fieldErrors(error)
    .map((e) => `${e.path}: ${e.message}`)
    .join('; ');
}
