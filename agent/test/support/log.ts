import pino, { type Logger } from 'pino';

/** A logger that keeps its lines in memory, for assertions. */
export function memoryLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'debug' },
    {
      write(line: string) {
        lines.push(JSON.parse(line));
      },
    },
  );
  return { log, lines };
}
