import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** True under CI (`CI=true`): a missing system tool is then a failure, never a skip. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** The absolute path of an executable on PATH, or undefined. */
export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Whether a suite needing `tool` should be skipped: outside CI it is skipped with a message saying
 * what to install; in CI a missing tool must fail the run, so the suite runs (and fails).
 */
export function skipWithout(tool: string | undefined, what: string, install: string): boolean {
  if (tool) return false;
  if (IN_CI) return false;
  console.warn(`skipping: ${what} is not installed (${install}); CI=true makes this a failure`);
  return true;
}
