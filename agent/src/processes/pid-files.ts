import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { PID_FILE_READ_MAX_BYTES, type PidFileRead } from '@procwatch/shared';

function readOne(path: string): PidFileRead {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { ok: false, code: e.code ?? 'EIO', message: e.message };
  }
  try {
    const modifiedAt = fstatSync(fd).mtime;
    const buffer = Buffer.alloc(PID_FILE_READ_MAX_BYTES);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return { ok: true, content: buffer.toString('utf8', 0, n), modifiedAt };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { ok: false, code: e.code ?? 'EIO', message: e.message };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the given PID files (at most 4 KiB each) with their mtimes, for the matcher. A path is
 * opened read-only and never interpreted: a monitor's `pid_file` reaches no shell.
 */
export function readPidFiles(paths: Iterable<string>): Map<string, PidFileRead> {
  const reads = new Map<string, PidFileRead>();
  for (const path of paths) if (!reads.has(path)) reads.set(path, readOne(path));
  return reads;
}
