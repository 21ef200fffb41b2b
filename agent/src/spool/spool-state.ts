import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/** The spool's persistent counters, in `spool-state.json`. */
export const SpoolStateSchema = z.object({
  version: z.literal(1),
  /** Every record with seq ≤ this was accepted by a collector. */
  acked_seq: z.number().int().min(0),
  /** Highest seq of any record dropped by the bounds (so seqs never go back after a drop). */
  seq_floor: z.number().int().min(0),
  /** Records dropped by the bounds before they were acknowledged, since the spool was created. */
  lost: z.number().int().min(0),
});
/** The spool's persistent counters. */
export type SpoolState = z.infer<typeof SpoolStateSchema>;

/** A fresh spool's state. */
export const EMPTY_SPOOL_STATE: SpoolState = Object.freeze({
  version: 1,
  acked_seq: 0,
  seq_floor: 0,
  lost: 0,
});

/** Reads the state file; a missing file is a fresh spool, an invalid one is reported to the caller. */
export function readSpoolState(path: string): { state: SpoolState; problem: string | null } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { state: { ...EMPTY_SPOOL_STATE }, problem: null };
    return { state: { ...EMPTY_SPOOL_STATE }, problem: (error as Error).message };
  }
  try {
    const parsed = SpoolStateSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { state: parsed.data, problem: null };
    return { state: { ...EMPTY_SPOOL_STATE }, problem: parsed.error.message };
  } catch (error) {
    return { state: { ...EMPTY_SPOOL_STATE }, problem: (error as Error).message };
  }
}

/**
 * Replaces the state file atomically (write + rename). Not fsynced: after a power loss an older
 * acked_seq only means records are sent again, and the collector stores each sample id once.
 */
export function writeSpoolState(path: string, state: SpoolState): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`);
  renameSync(tmp, path);
}
