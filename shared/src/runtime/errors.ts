/** The message of anything thrown, for logs and `error_message` fields. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Marks a switch as exhaustive: `default: return assertNever(x)`. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
