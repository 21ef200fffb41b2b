import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The collector's root logger: JSON lines on stdout. Secrets are redacted by path wherever they
 * could appear in a logged object, as a second line of defence (we never log them on purpose).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'procwatch-collector' },
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers.authorization',
          'req.headers.authorization',
          'token',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
