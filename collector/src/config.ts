import { describeZodError } from '@procwatch/shared';
import { z } from 'zod';
import { type SshConfig, SshEnvSchema, sshConfigFrom } from './ssh/ssh-config.ts';

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const port = z.coerce.number().int().min(0).max(65_535);

/** Environment variables the collector reads; nothing else in the collector reads process.env. */
export const CollectorEnvSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: optionalText.refine(
    (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
    'must be a postgres:// or postgresql:// URL',
  ),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  PROCWATCH_DATA_DIR: z.string().min(1).default('./data'),
  PROCWATCH_ADMIN_TOKEN: optionalText.refine(
    (v) => v === undefined || v.length >= 16,
    'must be at least 16 characters',
  ),
  PROCWATCH_TLS_CERT: optionalText,
  PROCWATCH_TLS_KEY: optionalText,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // At least 3: the partition job keeps today-2 ready for late samples; a shorter retention would
  // drop and recreate that partition every hour.
  PROCWATCH_RETENTION_DAYS: z.coerce.number().int().min(3).max(3650).default(30),
  PROCWATCH_WARNING_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(365),
  PROCWATCH_METRICS_TOKEN: optionalText.refine(
    (v) => v === undefined || v.length >= 16,
    'must be at least 16 characters',
  ),
  // SSH fallback (issue 6): see ssh/ssh-config.ts.
  ...SshEnvSchema.shape,
});

/** The collector's configuration, parsed once at start and frozen. */
export interface CollectorConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly databasePoolMax: number;
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly logLevel: string;
  /** Days of ProcessStatus history kept (whole day partitions are dropped). */
  readonly retentionDays: number;
  /** Days a resolved warning is kept after it was resolved. */
  readonly warningRetentionDays: number;
  /** Bearer token required by GET /metrics; absent → open. */
  readonly metricsToken: string | undefined;
  /** SSH fallback: credentials, limits and timeouts. */
  readonly ssh: SshConfig;
}

/** Thrown for an invalid environment; the message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment into a frozen {@link CollectorConfig}. */
export function loadCollectorConfig(env: NodeJS.ProcessEnv): CollectorConfig {
  const parsed = CollectorEnvSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(`invalid collector environment: ${describeZodError(parsed.error)}`);
  const e = parsed.data;
  if (Boolean(e.PROCWATCH_TLS_CERT) !== Boolean(e.PROCWATCH_TLS_KEY)) {
    throw new ConfigError(
      'invalid collector environment: PROCWATCH_TLS_CERT and PROCWATCH_TLS_KEY go together',
    );
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    dataDir: e.PROCWATCH_DATA_DIR,
    adminToken: e.PROCWATCH_ADMIN_TOKEN,
    tls:
      e.PROCWATCH_TLS_CERT && e.PROCWATCH_TLS_KEY
        ? Object.freeze({ certFile: e.PROCWATCH_TLS_CERT, keyFile: e.PROCWATCH_TLS_KEY })
        : undefined,
    logLevel: e.LOG_LEVEL,
    retentionDays: e.PROCWATCH_RETENTION_DAYS,
    warningRetentionDays: e.PROCWATCH_WARNING_RETENTION_DAYS,
    metricsToken: e.PROCWATCH_METRICS_TOKEN,
    ssh: sshConfigFrom(e),
  });
}
