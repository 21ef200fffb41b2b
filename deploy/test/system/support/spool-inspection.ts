import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanFrames } from '../../../../agent/src/spool/frame-codec.ts';

/** What an agent's spool directory holds, read with the agent's own frame decoder. */
export interface SpoolInspection {
  readonly segments: number;
  /** Valid records in all segments. */
  readonly records: number;
  /** Byte ranges between valid records that hold no valid record (corruption: must be none). */
  readonly corruptRanges: number;
  /** Segments ending in a partial record (a write torn by the crash: at most the one being written). */
  readonly tornTails: number;
  /** Records out of seq order across the segments (must be none). */
  readonly outOfOrder: number;
}

/** Reads every segment of a spool directory (while no agent has it open). */
export function inspectSpool(dir: string): SpoolInspection {
  const names = readdirSync(dir)
    .filter((n) => /^\d{16}\.seg$/.test(n))
    .sort();
  let records = 0;
  let corruptRanges = 0;
  let tornTails = 0;
  let outOfOrder = 0;
  let lastSeq = 0;
  for (const name of names) {
    const buffer = readFileSync(join(dir, name));
    const scan = scanFrames(buffer);
    records += scan.frames.length;
    corruptRanges += scan.skipped.length;
    if (scan.validEnd < buffer.length) tornTails += 1;
    for (const frame of scan.frames) {
      if (frame.seq <= lastSeq) outOfOrder += 1;
      lastSeq = frame.seq;
    }
  }
  return { segments: names.length, records, corruptRanges, tornTails, outOfOrder };
}
