import { open, realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import {
  LOG_TAIL_MAX_BYTES,
  LOG_TAIL_MAX_LINES,
  type LogTail,
  type LogTailErrorCode,
} from '@procwatch/shared';

/** The log file is outside the directories the host's agent config allows. */
export class LogPathRefusedError extends Error {
  override name = 'LogPathRefusedError';
}

/**
 * Resolves `path` (symlinks included) and accepts it only inside one of `allowedDirs` (also
 * resolved): a link from an allowed directory to /etc/shadow is refused like the path itself.
 */
export async function allowedLogPath(path: string, allowedDirs: readonly string[]): Promise<string> {
  const real = await realpath(path);
  for (const dir of allowedDirs) {
    let realDir: string;
    try {
      realDir = await realpath(dir);
    } catch {
      continue;
    }
    const prefix = realDir.endsWith(sep) ? realDir : realDir + sep;
    if (real.startsWith(prefix)) return real;
  }
  throw new LogPathRefusedError(`${path} is not under a directory in log_dirs`);
}

/** The last lines of a log file under the allowed directories; never throws (the error is in the result). */
export async function readLogTail(
  path: string,
  allowedDirs: readonly string[],
  options: { maxLines?: number; maxBytes?: number } = {},
): Promise<LogTail> {
  const maxLines = options.maxLines ?? LOG_TAIL_MAX_LINES;
  const maxBytes = options.maxBytes ?? LOG_TAIL_MAX_BYTES;
  try {
    const real = await allowedLogPath(path, allowedDirs);
    const file = await open(real, 'r');
    try {
      const { size, isFile } = await file.stat().then((s) => ({ size: s.size, isFile: s.isFile() }));
      if (!isFile) {
        return { path, text: null, truncated: false, error: 'not a regular file', error_code: 'unreadable' };
      }
      const length = Math.min(size, maxBytes);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      let lines = buffer.toString('utf8').split('\n');
      if (lines.at(-1) === '') lines.pop();
      // The first line of a cut read is a fragment.
      let truncated = size > length;
      if (truncated) lines = lines.slice(1);
      if (lines.length > maxLines) {
        lines = lines.slice(-maxLines);
        truncated = true;
      }
      return { path, text: lines.join('\n'), truncated, error: null, error_code: null };
    } finally {
      await file.close();
    }
  } catch (error) {
    return {
      path,
      text: null,
      truncated: false,
      error: (error as Error).message.slice(0, 500),
      error_code: errorCodeOf(error),
    };
  }
}

function errorCodeOf(error: unknown): LogTailErrorCode {
  if (error instanceof LogPathRefusedError) return 'refused';
  return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
}
