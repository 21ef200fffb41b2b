import { resolve } from 'node:path';
import { describeZodError } from '@procwatch/shared';
import { z } from 'zod';

/** Environment of the quick start (`npm start`); nothing else in deploy/src reads process.env. */
export const QuickStartEnvSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65_535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  PROCWATCH_DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

/** Settings of one quick start run, parsed once and frozen. */
export interface QuickStartConfig {
  readonly port: number;
  readonly host: string;
  /** Absolute path of the data directory (PGlite, tokens, agent state, logs). */
  readonly dataDir: string;
  readonly logLevel: string;
  /** The repository root: where the collector and agent entry points are. */
  readonly repoRoot: string;
}

/** Parses the quick start's environment; throws with every bad variable named. */
export function loadQuickStartConfig(
  env: NodeJS.ProcessEnv,
  repoRoot: string,
  cwd: string,
): QuickStartConfig {
  const parsed = QuickStartEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid environment: ${describeZodError(parsed.error)}`);
  return Object.freeze({
    port: parsed.data.PORT,
    host: parsed.data.HOST,
    dataDir: resolve(cwd, parsed.data.PROCWATCH_DATA_DIR),
    logLevel: parsed.data.LOG_LEVEL,
    repoRoot,
  });
}
