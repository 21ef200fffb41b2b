import { readFileSync } from 'node:fs';
import {
  type AgentSettings,
  AgentSettingsSchema,
  DEFAULT_CALENDAR,
  describeZodError,
  errorMessage,
  parseTradingCalendar,
  type TradingCalendar,
} from '@procwatch/shared';
import { z } from 'zod';
import { type SshConfig, SshEnvSchema, sshConfigFrom } from './ssh/ssh-config.ts';
import { WarningEnvSchema, type WarningSettings, warningSettingsFromEnv } from './warnings/settings.ts';

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const port = z.coerce.number().int().min(0).max(65_535);
const flag = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .default('false')
  .transform((v) => v === 'true' || v === '1');
const MIB = 1024 * 1024;

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
  // HTTP API (issue 3).
  PROCWATCH_CALENDAR_FILE: optionalText,
  PROCWATCH_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(256 * MIB)
    .default(4 * MIB),
  PROCWATCH_MAX_DECODED_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * MIB)
    .default(16 * MIB),
  PROCWATCH_LONG_POLL_SECONDS: z.coerce.number().int().min(1).max(60).default(30),
  PROCWATCH_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(20),
  PROCWATCH_AUTH_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  PROCWATCH_TRUST_PROXY: flag,
  // Below systemd's default TimeoutStopSec (90 s) and the 10 s our unit sets.
  PROCWATCH_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(9_500).default(8_000),
  PROCWATCH_AGENT_HEARTBEAT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  PROCWATCH_AGENT_CONFIG_REFRESH_SECONDS: z.coerce.number().int().min(5).max(86_400).default(60),
  PROCWATCH_STATUS_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  // SSH fallback (issue 6): see ssh/ssh-config.ts.
  ...SshEnvSchema.shape,
  // Warning engine (issue 5): see warnings/settings.ts.
  ...WarningEnvSchema.shape,
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
  /** Trading calendar (PROCWATCH_CALENDAR_FILE, else weekdays without holidays). */
  readonly calendar: TradingCalendar;
  /** Largest request body on the wire, bytes (gzip or not). */
  readonly maxBodyBytes: number;
  /** Largest request body after gzip decoding, bytes. */
  readonly maxDecodedBodyBytes: number;
  /** Longest hold of a `GET /agent/v1/commands` long-poll, seconds. */
  readonly longPollSeconds: number;
  /** Bad tokens allowed per client address and window before answering 429. */
  readonly authFailureLimit: number;
  readonly authFailureWindowSeconds: number;
  /** Take the client address from X-Forwarded-For (behind a reverse proxy). */
  readonly trustProxy: boolean;
  /** How long a stopping collector drains requests and jobs before cutting connections, ms. */
  readonly shutdownTimeoutMs: number;
  /** Settings handed to agents with their config. */
  readonly agentSettings: AgentSettings;
  /** How long a generated status list is served again (0: never), ms. */
  readonly statusCacheMs: number;
  /** SSH fallback: credentials, limits and timeouts. */
  readonly ssh: SshConfig;
  /** Warning engine: default thresholds, consecutive samples, hysteresis, reminders. */
  readonly warnings: WarningSettings;
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
  if (e.PROCWATCH_MAX_DECODED_BODY_BYTES < e.PROCWATCH_MAX_BODY_BYTES) {
    throw new ConfigError(
      'invalid collector environment: PROCWATCH_MAX_DECODED_BODY_BYTES must be at least PROCWATCH_MAX_BODY_BYTES',
    );
  }
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
    calendar: e.PROCWATCH_CALENDAR_FILE ? loadCalendar(e.PROCWATCH_CALENDAR_FILE) : DEFAULT_CALENDAR,
    maxBodyBytes: e.PROCWATCH_MAX_BODY_BYTES,
    maxDecodedBodyBytes: e.PROCWATCH_MAX_DECODED_BODY_BYTES,
    longPollSeconds: e.PROCWATCH_LONG_POLL_SECONDS,
    authFailureLimit: e.PROCWATCH_AUTH_FAILURE_LIMIT,
    authFailureWindowSeconds: e.PROCWATCH_AUTH_FAILURE_WINDOW_SECONDS,
    trustProxy: e.PROCWATCH_TRUST_PROXY,
    shutdownTimeoutMs: e.PROCWATCH_SHUTDOWN_TIMEOUT_MS,
    statusCacheMs: e.PROCWATCH_STATUS_CACHE_MS,
    agentSettings: Object.freeze(
      AgentSettingsSchema.parse({
        heartbeat_interval_s: e.PROCWATCH_AGENT_HEARTBEAT_INTERVAL_SECONDS,
        config_refresh_s: e.PROCWATCH_AGENT_CONFIG_REFRESH_SECONDS,
      }),
    ),
    ssh: sshConfigFrom(e),
    warnings: warningSettingsFromEnv(e),
  });
}

function loadCalendar(path: string): TradingCalendar {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`PROCWATCH_CALENDAR_FILE: cannot read ${path}: ${errorMessage(error)}`);
  }
  try {
    return Object.freeze(parseTradingCalendar(raw));
  } catch (error) {
    throw new ConfigError(`PROCWATCH_CALENDAR_FILE ${path}: ${errorMessage(error)}`);
  }
}
