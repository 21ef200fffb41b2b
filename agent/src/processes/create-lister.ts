import { existsSync } from 'node:fs';
import { ProcLister } from './proc-lister.ts';
import type { ListerKind, ProcessLister } from './process-lister.ts';
import { readSystemConstants } from './system-constants.ts';

/** Which lister to use: `auto` takes the /proc reader on Linux (it benchmarks faster) and ps-list elsewhere. */
export type ListerChoice = ListerKind | 'auto';

/** Creates the process lister. */
export async function createProcessLister(
  choice: ListerChoice,
  options: { signal?: AbortSignal } = {},
): Promise<ProcessLister> {
  const useProc =
    choice === 'proc' || (choice === 'auto' && process.platform === 'linux' && existsSync('/proc/self/stat'));
  if (!useProc) {
    // Loaded only when used: the /proc reader needs neither ps-list nor pidusage.
    const { PsListLister } = await import('./ps-list-lister.ts');
    return new PsListLister();
  }
  return new ProcLister(await readSystemConstants(options));
}
