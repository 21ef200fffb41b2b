import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * What the scenarios share: the suite's temp dir, every secret it created (the log scan looks for
 * each), and the cleanups to run even when a scenario fails (LIFO).
 */
export class SuiteContext {
  readonly #secrets = new Map<string, string>();
  readonly #cleanups: { what: string; fn: () => Promise<void> | void }[] = [];

  constructor(readonly dir: string) {}

  /** A path inside the suite's temp dir. */
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** Remembers a secret (token, password) under a label; returns it. */
  secret(label: string, value: string): string {
    this.#secrets.set(value, label);
    return value;
  }

  /** A new random secret, remembered. */
  newSecret(label: string, bytes = 24): string {
    return this.secret(label, randomBytes(bytes).toString('base64url'));
  }

  /** Every secret created so far, with its label. */
  secrets(): readonly { label: string; value: string }[] {
    return [...this.#secrets].map(([value, label]) => ({ label, value }));
  }

  /** Runs `fn` at the end of the suite (or earlier via {@link SuiteContext.runCleanups}). */
  defer(what: string, fn: () => Promise<void> | void): void {
    this.#cleanups.push({ what, fn });
  }

  /**
   * Runs `fn`, then (even when it throws) the cleanups it deferred, newest first: a scenario's processes,
   * namespaces and mounts go away before the next scenario starts. Cleanup problems are thrown after.
   */
  async scoped<T>(fn: () => Promise<T>): Promise<T> {
    const mark = this.#cleanups.length;
    let result: T;
    try {
      result = await fn();
    } finally {
      const problems = await this.runCleanups(mark);
      if (problems.length > 0) console.error(`cleanup problems:\n${problems.join('\n')}`);
    }
    return result;
  }

  /** A mark for {@link SuiteContext.runCleanups}: cleanups deferred after it. */
  mark(): number {
    return this.#cleanups.length;
  }

  /** Runs the deferred cleanups (those after `since`), newest first; one failing does not stop the others. */
  async runCleanups(since = 0): Promise<string[]> {
    const problems: string[] = [];
    for (const { what, fn } of this.#cleanups.splice(since).reverse()) {
      try {
        await fn();
      } catch (error) {
        problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return problems;
  }
}
