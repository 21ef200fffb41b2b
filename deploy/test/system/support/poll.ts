import { abortableSleep } from '@procwatch/shared';

/** Thrown by a condition to stop waiting at once (the awaited thing can no longer happen). */
export class GiveUp extends Error {
  override name = 'GiveUp';
}

/**
 * Polls `check` until it returns something other than undefined/false and returns that; throws after
 * `timeoutMs` naming `what` and the last error. The suite waits for conditions, never for fixed times;
 * deadlines are generous because the machine is a loaded 2-core box.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw new Error(`gave up waiting for ${what}: ${error.message}`);
      lastError = error;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${options.timeoutMs ?? 60_000} ms waiting for ${what}${why}`);
    }
    await abortableSleep(options.intervalMs ?? 200);
  }
}
