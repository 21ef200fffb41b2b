/**
 * What reading a monitor's PID file gave, handed to the matcher as data: the content and the
 * file's modification time, or the error code (`ENOENT`, `EACCES`, ...) and message.
 */
export type PidFileRead =
  | { readonly ok: true; readonly content: string; readonly modifiedAt?: Date | null }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Largest PID Linux can hand out (`PID_MAX_LIMIT`, 2^22). */
export const PID_MAX = 4_194_304;

/** Longest PID file content worth parsing; real ones hold a number and a newline. */
export const PID_FILE_READ_MAX_BYTES = 4096;

/** Result of parsing a PID file's content. */
export type PidFileContent =
  | { readonly kind: 'pid'; readonly pid: number }
  | { readonly kind: 'empty' }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * Parses a PID file the way daemons write them: a decimal PID on the first line, surrounding
 * whitespace allowed (some tools write extra lines, e.g. a port, after it).
 */
export function parsePidFileContent(content: string): PidFileContent {
  const firstLine = content.split('\n', 1)[0]?.trim() ?? '';
  if (firstLine === '')
    return content.trim() === '' ? { kind: 'empty' } : { kind: 'invalid', reason: 'first line is empty' };
  if (!/^\d{1,7}$/.test(firstLine)) {
    return { kind: 'invalid', reason: `first line ${JSON.stringify(firstLine.slice(0, 40))} is not a PID` };
  }
  const pid = Number(firstLine);
  if (pid < 1 || pid > PID_MAX) return { kind: 'invalid', reason: `${pid} is outside the PID range` };
  return { kind: 'pid', pid };
}
