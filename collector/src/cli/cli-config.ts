import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Environment variables the admin CLI reads (flags override them). */
export const CliEnvSchema = z.object({
  PROCWATCH_URL: z.string().optional(),
  PROCWATCH_ADMIN_TOKEN: z.string().optional(),
  PROCWATCH_ADMIN_TOKEN_FILE: z.string().optional(),
});

/** Where the collector is and how to authenticate. */
export interface CliConnection {
  readonly url: string;
  readonly token: string;
  readonly timeoutMs: number;
}

/** A usage or configuration mistake: printed with the usage hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const UrlSchema = z
  .string()
  .url('must be a URL')
  .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL');

/** Resolves the connection from flags, then the environment, then defaults. */
export function resolveConnection(
  flags: {
    url?: string | undefined;
    token?: string | undefined;
    tokenFile?: string | undefined;
    timeoutMs?: number | undefined;
  },
  env: NodeJS.ProcessEnv,
): CliConnection {
  const e = CliEnvSchema.parse(env);
  const url = flags.url ?? e.PROCWATCH_URL ?? 'http://127.0.0.1:8080';
  const parsedUrl = UrlSchema.safeParse(url);
  if (!parsedUrl.success) throw new UsageError(`--url ${url}: ${parsedUrl.error.issues[0]?.message}`);
  let token = flags.token ?? (flags.tokenFile ? undefined : e.PROCWATCH_ADMIN_TOKEN);
  const tokenFile = flags.tokenFile ?? (token ? undefined : e.PROCWATCH_ADMIN_TOKEN_FILE);
  if (!token && tokenFile) {
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (error) {
      throw new UsageError(`cannot read the admin token from ${tokenFile}: ${(error as Error).message}`);
    }
  }
  if (!token) {
    throw new UsageError('an admin token is required: --token-file FILE, or PROCWATCH_ADMIN_TOKEN(_FILE)');
  }
  return Object.freeze({
    url: parsedUrl.data.replace(/\/+$/, ''),
    token,
    timeoutMs: flags.timeoutMs ?? 15_000,
  });
}
