import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, statfsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { SuiteContext } from './suite-context.ts';

const run = promisify(execFile);
const mounted = new Set<string>();

// Last resort when the runner dies before the suite's cleanup: no mount outlives it.
process.once('exit', () => {
  for (const dir of mounted) {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    } catch {}
  }
});

/** Mounts a tmpfs of `sizeBytes` on `dir` (created); unmounted at the end of the suite. */
export async function mountTmpfs(ctx: SuiteContext, dir: string, sizeBytes: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'tmpfs', dir]);
  mounted.add(dir);
  ctx.defer(`unmount ${dir}`, async () => {
    await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
    mounted.delete(dir);
  });
}

/** Free bytes on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Why a tmpfs cannot be mounted here, or undefined. */
export function tmpfsUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'tmpfs mounts are Linux only';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  return undefined;
}
