import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { RestartActionNameSchema } from '@procwatch/shared';
import { z } from 'zod';
import { LOG_LEVELS, type LogLevel } from './logger.ts';
import type { ListerChoice } from './processes/create-lister.ts';
import { type RestartAction, RestartActionSchema } from './restart/restart-action.ts';
import type { RestartLimits } from './restart/restart-limiter.ts';
import { SPOOL_MAX_AGE_MS, SPOOL_MAX_BYTES, SPOOL_SEGMENT_BYTES } from './spool/spool.ts';

/** Where `run` and `check` look for the config when neither `--config` nor the env names one. */
export const DEFAULT_CONFIG_PATH = '/etc/procwatch/agent.json';
/** Default directory for the config cache and the spool. */
export const DEFAULT_STATE_DIR = '/var/lib/procwatch';

const httpUrl = z
  .string()
  .url('must be a URL')
  .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')
  .refine((u) => !/[?#]/.test(u), 'must not have a query or fragment');
const pathText = z
  .string()
  .min(1, 'must not be empty')
  .refine((p) => !/[\u0000\n\r]/.test(p), 'must not contain NUL or newline characters');

/** The agent's own config file (`agent.json`). Unknown fields are errors, so a typo never goes unnoticed. */
export const AgentFileSchema = z.strictObject({
  collector: z
    .strictObject({
      /** Collector base URLs, tried in order (failover). */
      urls: z.array(httpUrl).min(1, 'must list at least one URL').max(8, 'at most 8 URLs'),
      /** The host's agent token, or `token_file` naming a file that holds it. */
      token: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
      token_file: pathText.optional(),
      /** PEM file of the CA that signed the collector's certificate (private PKI). */
      ca_file: pathText.optional(),
      request_timeout_ms: z.number().int().min(1000).max(120_000).default(10_000),
    })
    .refine((c) => !(c.token && c.token_file), {
      message: 'give token or token_file, not both',
      path: ['token'],
    })
    .optional(),
  /** Directory for the cached collector config (and the spool, unless `spool.dir` says otherwise). */
  state_dir: pathText.default(DEFAULT_STATE_DIR),
  spool: z
    .strictObject({
      dir: pathText.optional(),
      max_bytes: z
        .number()
        .int()
        .min(1024 * 1024, 'must be at least 1 MiB')
        .default(SPOOL_MAX_BYTES),
      max_age_hours: z
        .number()
        .positive()
        .max(24 * 365)
        .default(SPOOL_MAX_AGE_MS / 3_600_000),
      segment_bytes: z
        .number()
        .int()
        .min(64 * 1024)
        .max(64 * 1024 * 1024)
        .default(SPOOL_SEGMENT_BYTES),
    })
    .default({
      max_bytes: SPOOL_MAX_BYTES,
      max_age_hours: SPOOL_MAX_AGE_MS / 3_600_000,
      segment_bytes: SPOOL_SEGMENT_BYTES,
    }),
  log_level: z.enum(LOG_LEVELS).default('info'),
  /** `auto`: the /proc reader on Linux, ps-list elsewhere. */
  lister: z.enum(['auto', 'proc', 'ps-list']).default('auto'),
  /**
   * Named restart actions; a monitor (from the collector) may only name one of these. The collector
   * can never send a command line, so a compromised collector cannot run anything here.
   */
  restart_actions: z.record(RestartActionNameSchema, RestartActionSchema).default({}),
  /** Directories whose files a monitor's `log_file` may name (resolved with realpath before the check). */
  log_dirs: z.array(pathText).max(64).default([]),
  restart_limits: z
    .strictObject({
      max_restarts: z.number().int().min(1).max(100).default(3),
      window_minutes: z.number().positive().max(1440).default(10),
      backoff_initial_ms: z.number().int().min(0).max(3_600_000).default(5000),
      backoff_max_ms: z.number().int().min(0).max(3_600_000).default(120_000),
      timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
    })
    .default({
      max_restarts: 3,
      window_minutes: 10,
      backoff_initial_ms: 5000,
      backoff_max_ms: 120_000,
      timeout_ms: 30_000,
    }),
});

/** Environment variables the agent reads; they override the file. Nothing else in the agent reads process.env. */
export const AgentEnvSchema = z.object({
  PROCWATCH_AGENT_CONFIG: pathText.optional(),
  PROCWATCH_COLLECTOR_URLS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .optional(),
  PROCWATCH_AGENT_TOKEN: z.string().optional(),
  PROCWATCH_AGENT_TOKEN_FILE: pathText.optional(),
  PROCWATCH_STATE_DIR: pathText.optional(),
  PROCWATCH_LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
});

/** Connection settings for the collector. */
export interface CollectorSettings {
  readonly urls: readonly string[];
  readonly token: string | null;
  readonly tokenFile: string | null;
  readonly caFile: string | null;
  readonly requestTimeoutMs: number;
}

/** The agent's parsed, frozen configuration. */
export interface AgentSettingsConfig {
  /** The file it came from, or null when only env and defaults were used. */
  readonly configPath: string | null;
  readonly collector: CollectorSettings | null;
  readonly stateDir: string;
  readonly spool: {
    readonly dir: string;
    readonly maxBytes: number;
    readonly maxAgeMs: number;
    readonly segmentBytes: number;
  };
  readonly logLevel: LogLevel;
  readonly lister: ListerChoice;
  readonly restartActions: ReadonlyMap<string, RestartAction>;
  readonly restartLimits: RestartLimits;
  readonly logDirs: readonly string[];
}

/** A config problem; the message names the file and the field. The CLI prints it and exits 2. */
export class AgentConfigError extends Error {
  override name = 'AgentConfigError';
}

/** Describes zod issues as `file: a.b.c: message`, naming a monitor by its name where there is one. */
export function describeIssues(label: string, error: z.ZodError, data: unknown): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String);
      let where = path.join('.') || '(root)';
      const monitorsAt = path.indexOf('monitors');
      const index = path[monitorsAt + 1];
      if (monitorsAt >= 0 && index !== undefined && /^\d+$/.test(index)) {
        let container: unknown = data;
        for (const key of path.slice(0, monitorsAt + 2)) {
          container =
            container && typeof container === 'object'
              ? (container as Record<string, unknown>)[key]
              : undefined;
        }
        const name =
          container && typeof container === 'object' ? (container as { name?: unknown }).name : undefined;
        const field = path.slice(monitorsAt + 2).join('.') || '(monitor)';
        where = `monitor ${typeof name === 'string' ? JSON.stringify(name) : `#${index}`} (monitors[${index}]): ${field}`;
      }
      return `${label}: ${where}: ${issue.message}`;
    })
    .join('\n');
}

/** Reads and parses a JSON file, or throws an {@link AgentConfigError} naming it. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AgentConfigError(`${path}: cannot read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AgentConfigError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Loads the agent's configuration: the file (`--config`, else $PROCWATCH_AGENT_CONFIG, else
 * /etc/procwatch/agent.json when it exists), then env overrides. Relative paths in the file are
 * relative to the file. Throws {@link AgentConfigError} naming the file and field.
 */
export function loadAgentConfig(options: {
  configPath?: string;
  env: NodeJS.ProcessEnv;
}): AgentSettingsConfig {
  const envParsed = AgentEnvSchema.safeParse(options.env);
  if (!envParsed.success)
    throw new AgentConfigError(describeIssues('environment', envParsed.error, options.env));
  const env = envParsed.data;
  const explicit = options.configPath ?? env.PROCWATCH_AGENT_CONFIG;
  let configPath: string | null = null;
  let raw: unknown = {};
  if (explicit) {
    configPath = resolve(explicit);
    raw = readJsonFile(configPath);
  } else {
    try {
      raw = JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8'));
      configPath = DEFAULT_CONFIG_PATH;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new AgentConfigError(`${DEFAULT_CONFIG_PATH}: ${(error as Error).message}`);
      }
    }
  }
  const label = configPath ?? 'agent config';
  const parsed = AgentFileSchema.safeParse(raw);
  if (!parsed.success) throw new AgentConfigError(describeIssues(label, parsed.error, raw));
  const file = parsed.data;
  const base = configPath ? dirname(configPath) : process.cwd();
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));

  let collector: CollectorSettings | null = file.collector
    ? {
        urls: file.collector.urls,
        token: file.collector.token ?? null,
        tokenFile: file.collector.token_file ? abs(file.collector.token_file) : null,
        caFile: file.collector.ca_file ? abs(file.collector.ca_file) : null,
        requestTimeoutMs: file.collector.request_timeout_ms,
      }
    : null;
  if (env.PROCWATCH_COLLECTOR_URLS) {
    const urls = z.array(httpUrl).min(1).safeParse(env.PROCWATCH_COLLECTOR_URLS);
    if (!urls.success) throw new AgentConfigError(describeIssues('PROCWATCH_COLLECTOR_URLS', urls.error, {}));
    collector = {
      ...(collector ?? { token: null, tokenFile: null, caFile: null, requestTimeoutMs: 10_000 }),
      urls: urls.data,
    };
  }
  if (collector && env.PROCWATCH_AGENT_TOKEN)
    collector = { ...collector, token: env.PROCWATCH_AGENT_TOKEN, tokenFile: null };
  if (collector && env.PROCWATCH_AGENT_TOKEN_FILE) {
    collector = { ...collector, token: null, tokenFile: resolve(env.PROCWATCH_AGENT_TOKEN_FILE) };
  }
  const stateDir = env.PROCWATCH_STATE_DIR ? resolve(env.PROCWATCH_STATE_DIR) : abs(file.state_dir);
  return Object.freeze({
    configPath,
    collector: collector ? Object.freeze({ ...collector, urls: Object.freeze([...collector.urls]) }) : null,
    stateDir,
    spool: Object.freeze({
      dir: file.spool.dir ? abs(file.spool.dir) : resolve(stateDir, 'spool'),
      maxBytes: file.spool.max_bytes,
      maxAgeMs: Math.round(file.spool.max_age_hours * 3_600_000),
      segmentBytes: file.spool.segment_bytes,
    }),
    logLevel: env.PROCWATCH_LOG_LEVEL ?? file.log_level,
    lister: file.lister,
    restartActions: new Map(Object.entries(file.restart_actions)),
    logDirs: Object.freeze(file.log_dirs.map(abs)),
    restartLimits: Object.freeze({
      maxRestarts: file.restart_limits.max_restarts,
      windowMs: Math.round(file.restart_limits.window_minutes * 60_000),
      backoffInitialMs: file.restart_limits.backoff_initial_ms,
      backoffMaxMs: file.restart_limits.backoff_max_ms,
      timeoutMs: file.restart_limits.timeout_ms,
    }),
  });
}

/** The token to present to the collector: from the config, or read (and trimmed) from the token file. */
export function readAgentToken(collector: CollectorSettings): string {
  if (collector.token) return collector.token;
  if (!collector.tokenFile)
    throw new AgentConfigError('collector.token or collector.token_file is required to run');
  let token: string;
  try {
    token = readFileSync(collector.tokenFile, 'utf8').trim();
  } catch (error) {
    throw new AgentConfigError(
      `${collector.tokenFile}: cannot read the agent token: ${(error as Error).message}`,
    );
  }
  if (token.length < 16) throw new AgentConfigError(`${collector.tokenFile}: the agent token is too short`);
  return token;
}
