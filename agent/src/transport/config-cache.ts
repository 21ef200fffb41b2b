import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type AgentConfig, AgentConfigSchema, InstantSchema } from '@procwatch/shared';
import { z } from 'zod';
import { AgentConfigError, describeIssues } from '../config.ts';

/** The last good collector config, kept on disk so the agent can start while the collector is down. */
export const ConfigCacheSchema = z.object({
  version: z.literal(1),
  etag: z.string().nullable(),
  fetched_at: InstantSchema,
  config: AgentConfigSchema,
});
/** The cached config file's content. */
export type ConfigCache = z.infer<typeof ConfigCacheSchema>;

/** File name of the cache inside the state directory. */
export const CONFIG_CACHE_FILE = 'config-cache.json';

/**
 * Reads the cache; null when there is none. An invalid cache throws an {@link AgentConfigError}
 * naming the file, the monitor and the field.
 */
export function readConfigCache(path: string): ConfigCache | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AgentConfigError(`${path}: cannot read: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new AgentConfigError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ConfigCacheSchema.safeParse(raw);
  if (!parsed.success) throw new AgentConfigError(describeIssues(path, parsed.error, raw));
  return parsed.data;
}

/** Writes the cache atomically (temp file, rename), creating the state directory if need be. */
export function writeConfigCache(
  path: string,
  config: AgentConfig,
  etag: string | null,
  now = new Date(),
): void {
  const cache: ConfigCache = { version: 1, etag, fetched_at: now.toISOString(), config };
  // The spool creates its own directory; with `spool.dir` elsewhere nothing else creates the state dir,
  // and without this the cache was never written (found by the system suite's disk-full scenario).
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(cache, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
