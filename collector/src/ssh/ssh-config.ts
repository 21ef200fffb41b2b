import { z } from 'zod';

// The SSH fallback's part of the collector environment; config.ts merges it into its schema (so
// config.ts stays the one reader of process.env). Credentials come only from here: a key file
// or an ssh-agent socket, never from the database or the API.

const optionalPath = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))
  .refine((v) => v === undefined || v.startsWith('/'), 'must be an absolute path');

/** Environment variables of the SSH fallback. */
export const SshEnvSchema = z.object({
  /** Private key (OpenSSH or PEM, unencrypted) the collector logs in with. */
  PROCWATCH_SSH_KEY_FILE: optionalPath,
  /** ssh-agent socket to authenticate with instead (e.g. the value of SSH_AUTH_SOCK). */
  PROCWATCH_SSH_AGENT_SOCK: optionalPath,
  /** Login name for hosts without `ssh_user`. */
  PROCWATCH_SSH_USER: z
    .string()
    .regex(/^[a-z_][a-z0-9_.-]{0,31}$/i, 'must be a user name')
    .default('procwatch'),
  /** Host checks in flight at once over all hosts. */
  PROCWATCH_SSH_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(32),
  PROCWATCH_SSH_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(10_000),
  /** Limit for the remote command (and each PID file read), ms. */
  PROCWATCH_SSH_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(15_000),
  /** No host is swept more often than this, whatever its monitors' check_interval. */
  PROCWATCH_SSH_MIN_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  /** How often the watchdog looks for silent hosts, ms. */
  PROCWATCH_SSH_SWEEP_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
});

/** The SSH fallback's settings. */
export interface SshConfig {
  readonly keyFile: string | undefined;
  readonly agentSocket: string | undefined;
  /** True when a key file or an agent socket is configured; the fallback is off otherwise. */
  readonly enabled: boolean;
  readonly defaultUser: string;
  readonly concurrency: number;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly minIntervalMs: number;
  readonly sweepPollMs: number;
}

/** Builds the frozen {@link SshConfig} from the parsed environment. */
export function sshConfigFrom(e: z.infer<typeof SshEnvSchema>): SshConfig {
  return Object.freeze({
    keyFile: e.PROCWATCH_SSH_KEY_FILE,
    agentSocket: e.PROCWATCH_SSH_AGENT_SOCK,
    enabled: Boolean(e.PROCWATCH_SSH_KEY_FILE || e.PROCWATCH_SSH_AGENT_SOCK),
    defaultUser: e.PROCWATCH_SSH_USER,
    concurrency: e.PROCWATCH_SSH_CONCURRENCY,
    connectTimeoutMs: e.PROCWATCH_SSH_CONNECT_TIMEOUT_MS,
    commandTimeoutMs: e.PROCWATCH_SSH_COMMAND_TIMEOUT_MS,
    minIntervalMs: e.PROCWATCH_SSH_MIN_INTERVAL_SECONDS * 1000,
    sweepPollMs: e.PROCWATCH_SSH_SWEEP_POLL_MS,
  });
}
