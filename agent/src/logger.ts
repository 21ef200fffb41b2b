import pino, { type Logger } from 'pino';

export type { Logger };

/** Log levels accepted in the config. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The agent's root logger: JSON lines (to stdout by default). The token is redacted by path wherever
 * it could appear, as a second line of defence (it is never logged on purpose).
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'procwatch-agent', pid: process.pid },
      redact: {
        paths: ['authorization', '*.authorization', 'headers.authorization', 'token', '*.token'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}
