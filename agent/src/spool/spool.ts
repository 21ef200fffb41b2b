import {
  closeSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { errorMessage, type Sample, SampleSchema } from '@procwatch/shared';
import type { Logger } from 'pino';
import type { UnsequencedSample } from '../checks/sample-builder.ts';
import {
  encodeFrame,
  FRAME_HEADER_BYTES,
  FRAME_MAX_PAYLOAD_BYTES,
  type Frame,
  scanFrames,
} from './frame-codec.ts';
import { readSpoolState, type SpoolState, writeSpoolState } from './spool-state.ts';

/** Default bound on the spool's size on disk. */
export const SPOOL_MAX_BYTES = 256 * 1024 * 1024;
/** Default bound on the age of spooled samples. */
export const SPOOL_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
/** Default size at which a segment file is closed and a new one started. */
export const SPOOL_SEGMENT_BYTES = 4 * 1024 * 1024;
/** A segment is also closed after this long, so age-based drops have an hour's granularity. */
export const SPOOL_SEGMENT_MAX_AGE_MS = 3600 * 1000;

const SEGMENT_SUFFIX = '.seg';
const READ_CHUNK_BYTES = 512 * 1024;

/** Options of {@link Spool.open}. */
export interface SpoolOptions {
  readonly dir: string;
  readonly log: Logger;
  readonly maxBytes?: number;
  readonly maxAgeMs?: number;
  readonly segmentBytes?: number;
  readonly now?: () => number;
}

interface Segment {
  readonly path: string;
  /** Seq the file is named after: the first seq it was opened to hold. */
  readonly nameSeq: number;
  firstSeq: number;
  lastSeq: number;
  count: number;
  bytes: number;
  oldestAtMs: number;
  newestAtMs: number;
}

/** Counters for heartbeats, logs and tests. */
export interface SpoolStats {
  /** Records written but not yet acknowledged. */
  readonly depth: number;
  readonly lastSeq: number;
  readonly ackedSeq: number;
  /** Records dropped by the bounds before acknowledgement (persisted). */
  readonly lost: number;
  /** Corrupt or torn byte ranges skipped since open. */
  readonly skippedRanges: number;
  /** Records whose payload failed validation, skipped since open. */
  readonly invalidRecords: number;
  readonly bytes: number;
  readonly segments: number;
}

/** Thrown when another live process holds the spool directory. */
export class SpoolLockedError extends Error {
  override name = 'SpoolLockedError';
}

function segmentName(seq: number): string {
  return `${String(seq).padStart(16, '0')}${SEGMENT_SUFFIX}`;
}

/**
 * Who a process is, beyond its pid: boot id and start ticks on Linux, so that a lock left by a killed
 * agent is not mistaken for a live one when its pid has been reused (after a reboot, say). Null where
 * /proc cannot tell; the pid alone is compared then.
 */
function processToken(pid: number): string | null {
  try {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const startTicks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return startTicks ? `${bootId}:${startTicks}` : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the live process (not this one) that holds the lock, or null when none does. */
function lockHeldByOther(content: string): number | null {
  const [pidText, token] = content.trim().split(/\s+/);
  const holder = Number(pidText);
  if (!Number.isInteger(holder) || holder <= 0 || holder === process.pid || !isAlive(holder)) return null;
  if (token && processToken(holder) !== null && processToken(holder) !== token) return null;
  return holder;
}

/**
 * The agent's disk spool: every sample is appended here before it is sent, and trimmed once a
 * collector acknowledged it. Append-only segment files of CRC-checked frames; a torn or corrupt
 * frame is skipped on read (and a torn tail truncated on open), never blocking start-up.
 *
 * Durability: each append writes one frame per write(2) (so a crash tears at most the record being
 * written) and ends with one fdatasync (so a power loss loses no appended batch). Sequence numbers
 * continue across restarts: from the last valid record, the acknowledged seq and the highest dropped
 * seq. Bounds: past `maxBytes` or `maxAgeMs` the oldest segments are dropped and their unacknowledged
 * records counted in `lost` and logged. The pusher sends in seq order and may resend after a crash;
 * the collector stores each sample id once.
 */
export class Spool {
  readonly #dir: string;
  readonly #log: Logger;
  readonly #maxBytes: number;
  readonly #maxAgeMs: number;
  readonly #segmentBytes: number;
  readonly #now: () => number;
  readonly #statePath: string;
  readonly #lockPath: string;
  #state: SpoolState;
  #segments: Segment[] = [];
  #fd: number | null = null;
  #nextSeq = 1;
  #skippedRanges = 0;
  #invalidRecords = 0;
  #cursor: { afterSeq: number; path: string; offset: number } | null = null;
  #closed = false;
  /** The state file could not be written (full disk): the counters live in memory until it can. */
  #stateUnsaved = false;

  private constructor(options: SpoolOptions, state: SpoolState) {
    this.#dir = options.dir;
    this.#log = options.log;
    this.#maxBytes = options.maxBytes ?? SPOOL_MAX_BYTES;
    this.#maxAgeMs = options.maxAgeMs ?? SPOOL_MAX_AGE_MS;
    this.#segmentBytes = Math.min(
      options.segmentBytes ?? SPOOL_SEGMENT_BYTES,
      Math.floor(this.#maxBytes / 4),
    );
    this.#now = options.now ?? Date.now;
    this.#statePath = join(options.dir, 'spool-state.json');
    this.#lockPath = join(options.dir, 'spool.lock');
    this.#state = state;
  }

  /** Opens (or creates) the spool in `dir`: recovers segments, skips torn records, applies the bounds. */
  static open(options: SpoolOptions): Spool {
    mkdirSync(options.dir, { recursive: true });
    const { state, problem } = readSpoolState(join(options.dir, 'spool-state.json'));
    if (problem)
      options.log.error({ problem }, 'spool state unreadable; starting from ack 0 (records may be resent)');
    const spool = new Spool(options, state);
    spool.#lock();
    spool.#recover();
    spool.#openActive();
    spool.#enforceBounds();
    return spool;
  }

  #lock(): void {
    let content = '';
    try {
      content = readFileSync(this.#lockPath, 'utf8');
    } catch {}
    const holder = lockHeldByOther(content);
    if (holder !== null) throw new SpoolLockedError(`spool ${this.#dir} is in use by pid ${holder}`);
    writeFileSync(this.#lockPath, `${process.pid} ${processToken(process.pid) ?? ''}\n`);
  }

  #recover(): void {
    const names = readdirSync(this.#dir)
      .filter((n) => n.endsWith(SEGMENT_SUFFIX) && /^\d{16}\.seg$/.test(n))
      .sort();
    let maxSeq = 0;
    for (const [i, name] of names.entries()) {
      const path = join(this.#dir, name);
      const buffer = readFileSync(path);
      const scan = scanFrames(buffer);
      const isLast = i === names.length - 1;
      if (scan.skipped.length > 0 || scan.validEnd < buffer.length) {
        const tornTail = buffer.length - scan.validEnd;
        this.#skippedRanges += scan.skipped.length + (tornTail > 0 ? 1 : 0);
        this.#log.warn(
          { segment: name, skipped: scan.skipped, tornTailBytes: tornTail },
          'spool: skipped torn or corrupt records',
        );
        // Truncate a torn tail so later appends and reads never meet it.
        if (tornTail > 0 && isLast) {
          const fd = openSync(path, 'r+');
          try {
            ftruncateSync(fd, scan.validEnd);
          } finally {
            closeSync(fd);
          }
        }
      }
      const frames = scan.frames;
      const first = frames[0];
      const last = frames[frames.length - 1];
      if (!first || !last) {
        unlinkSync(path);
        continue;
      }
      maxSeq = Math.max(maxSeq, last.seq);
      this.#segments.push({
        path,
        nameSeq: Number(name.slice(0, 16)),
        firstSeq: first.seq,
        lastSeq: last.seq,
        count: frames.length,
        bytes: isLast ? scan.validEnd : buffer.length,
        oldestAtMs: first.writtenAtMs,
        newestAtMs: last.writtenAtMs,
      });
    }
    this.#nextSeq = Math.max(maxSeq, this.#state.acked_seq, this.#state.seq_floor) + 1;
    this.#deleteAcked();
  }

  #openActive(): void {
    const nameSeq = this.#nextSeq;
    const path = join(this.#dir, segmentName(nameSeq));
    this.#fd = openSync(path, 'a');
    const bytes = fstatSync(this.#fd).size;
    // Only an empty leftover can share the name: segments are named after their first seq.
    this.#segments.push({
      path,
      nameSeq,
      firstSeq: nameSeq,
      lastSeq: nameSeq - 1,
      count: 0,
      bytes,
      oldestAtMs: 0,
      newestAtMs: 0,
    });
  }

  get #active(): Segment {
    const active = this.#segments[this.#segments.length - 1];
    if (!active || this.#fd === null) throw new Error('spool is closed');
    return active;
  }

  #roll(): void {
    if (this.#fd !== null) {
      fdatasyncSync(this.#fd);
      closeSync(this.#fd);
      this.#fd = null;
    }
    this.#openActive();
  }

  #unackedIn(segment: Segment): number {
    if (segment.count === 0 || segment.lastSeq <= this.#state.acked_seq) return 0;
    return Math.min(segment.count, segment.lastSeq - Math.max(this.#state.acked_seq, segment.firstSeq - 1));
  }

  #drop(segment: Segment, reason: string): void {
    const lost = this.#unackedIn(segment);
    try {
      unlinkSync(segment.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    this.#segments = this.#segments.filter((s) => s !== segment);
    this.#state = {
      ...this.#state,
      lost: this.#state.lost + lost,
      seq_floor: Math.max(this.#state.seq_floor, segment.lastSeq),
    };
    this.#saveState();
    if (lost > 0) {
      this.#log.warn(
        { reason, lost, totalLost: this.#state.lost, firstSeq: segment.firstSeq, lastSeq: segment.lastSeq },
        'spool: dropped the oldest unsent samples',
      );
    }
  }

  #deleteAcked(): void {
    const active = this.#fd === null ? null : this.#segments[this.#segments.length - 1];
    for (const segment of [...this.#segments]) {
      if (segment !== active && segment.count > 0 && segment.lastSeq <= this.#state.acked_seq) {
        try {
          unlinkSync(segment.path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
        this.#segments = this.#segments.filter((s) => s !== segment);
      }
    }
  }

  #enforceBounds(): void {
    const now = this.#now();
    const active = this.#active;
    if (active.count > 0 && now - active.oldestAtMs > SPOOL_SEGMENT_MAX_AGE_MS) this.#roll();
    for (const segment of [...this.#segments]) {
      if (segment === this.#active) break;
      if (segment.count > 0 && now - segment.newestAtMs > this.#maxAgeMs) this.#drop(segment, 'max age');
    }
    let total = this.#segments.reduce((sum, s) => sum + s.bytes, 0);
    while (total > this.#maxBytes && this.#segments.length > 1) {
      const oldest = this.#segments[0];
      if (!oldest) break;
      this.#drop(oldest, 'max size');
      total -= oldest.bytes;
    }
  }

  #writeFrame(frame: Buffer): void {
    const fd = this.#fd;
    if (fd === null) throw new Error('spool is closed');
    let written = 0;
    while (written < frame.length) written += writeSync(fd, frame, written, frame.length - written);
  }

  /**
   * Appends samples, giving each the next sequence number, and makes them durable (fdatasync).
   * Returns the sequenced samples. When the disk is full, the oldest segment is dropped (counted
   * loss) to make room; a sample that still does not fit is counted lost.
   */
  append(samples: readonly UnsequencedSample[]): Sample[] {
    if (this.#closed) throw new Error('spool is closed');
    const written: Sample[] = [];
    let lostHere = 0;
    let failure: string | null = null;
    for (const unsequenced of samples) {
      const sample: Sample = { ...unsequenced, seq: this.#nextSeq };
      const now = this.#now();
      const frame = encodeFrame(sample.seq, now, Buffer.from(JSON.stringify(sample)));
      const active0 = this.#active;
      if (
        active0.count > 0 &&
        (active0.bytes + frame.length > this.#segmentBytes ||
          now - active0.oldestAtMs > SPOOL_SEGMENT_MAX_AGE_MS)
      ) {
        this.#roll();
      }
      const failed = this.#tryWrite(frame);
      if (failed !== null) {
        // Counted, and the next samples are still tried: a full disk must neither stop the checks nor
        // lose samples uncounted (the system suite fills the spool's disk to the last byte).
        this.#nextSeq += 1;
        this.#state = { ...this.#state, lost: this.#state.lost + 1, seq_floor: sample.seq };
        failure ??= failed;
        lostHere += 1;
        continue;
      }
      const active = this.#active;
      if (active.count === 0) {
        active.firstSeq = sample.seq;
        active.oldestAtMs = now;
      }
      active.lastSeq = sample.seq;
      active.count += 1;
      active.bytes += frame.length;
      active.newestAtMs = now;
      this.#nextSeq += 1;
      written.push(sample);
    }
    if (lostHere > 0) {
      this.#saveState();
      this.#log.error(
        { error: failure, lost: lostHere, totalLost: this.#state.lost },
        'spool: write failed; samples lost',
      );
    }
    if (this.#fd !== null && written.length > 0) fdatasyncSync(this.#fd);
    this.#enforceBounds();
    return written;
  }

  /** Saves the counters; when that fails (full disk) keeps them in memory and saves them at the next change. */
  #saveState(): void {
    try {
      writeSpoolState(this.#statePath, this.#state);
      if (this.#stateUnsaved) this.#log.info('spool: state saved again');
      this.#stateUnsaved = false;
    } catch (error) {
      if (!this.#stateUnsaved) {
        this.#log.error({ error: errorMessage(error) }, 'spool: cannot save its state; keeping it in memory');
      }
      this.#stateUnsaved = true;
    }
  }

  /** Writes one frame, dropping the oldest segments to make room; null on success, else why not. */
  #tryWrite(frame: Buffer): string | null {
    for (let attempt = 0; ; attempt++) {
      const before = this.#active.bytes;
      try {
        this.#writeFrame(frame);
        return null;
      } catch (error) {
        // Undo a partial frame so the segment stays a sequence of whole frames.
        try {
          if (this.#fd !== null) ftruncateSync(this.#fd, before);
        } catch {}
        const oldest = this.#segments[0];
        if (attempt < 3 && oldest && oldest !== this.#active) {
          this.#log.error({ error: errorMessage(error) }, 'spool: write failed; dropping the oldest segment');
          this.#drop(oldest, `write failed: ${errorMessage(error)}`);
          continue;
        }
        return errorMessage(error);
      }
    }
  }

  /** Up to `max` records with seq > `afterSeq`, in seq order, validated; corrupt ones are skipped. */
  readAfter(afterSeq: number, max: number): Sample[] {
    const out: Sample[] = [];
    let cursor = this.#cursor?.afterSeq === afterSeq ? this.#cursor : null;
    for (const segment of this.#segments) {
      if (out.length >= max) break;
      if (segment.count === 0 || segment.lastSeq <= afterSeq) continue;
      let offset = cursor && cursor.path === segment.path ? cursor.offset : 0;
      cursor = null;
      const { samples, end } = this.#readSegment(segment, offset, afterSeq, max - out.length);
      offset = end;
      out.push(...samples);
      const last = out[out.length - 1];
      if (last) this.#cursor = { afterSeq: last.seq, path: segment.path, offset };
    }
    return out;
  }

  #readSegment(
    segment: Segment,
    from: number,
    afterSeq: number,
    max: number,
  ): { samples: Sample[]; end: number } {
    const samples: Sample[] = [];
    let fd: number;
    try {
      fd = openSync(segment.path, 'r');
    } catch (error) {
      // Dropped by the bounds meanwhile: nothing to read. Any other error must not pass for "empty".
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { samples, end: from };
      throw error;
    }
    let offset = from;
    let chunkBytes = READ_CHUNK_BYTES;
    const maxFrameBytes = FRAME_HEADER_BYTES + FRAME_MAX_PAYLOAD_BYTES;
    try {
      const size = segment === this.#active ? segment.bytes : fstatSync(fd).size;
      while (offset < size && samples.length < max) {
        const length = Math.min(size - offset, chunkBytes);
        const chunk = Buffer.allocUnsafe(length);
        const n = readSync(fd, chunk, 0, length, offset);
        const atEof = offset + n >= size;
        const scan = scanFrames(chunk.subarray(0, n), 0, Number.POSITIVE_INFINITY, atEof);
        if (scan.skipped.length > 0) {
          this.#skippedRanges += scan.skipped.length;
          this.#log.warn({ segment: segment.path, skipped: scan.skipped }, 'spool: skipped corrupt records');
        }
        if (scan.frames.length === 0) {
          if (atEof) break;
          if (chunkBytes < 2 * maxFrameBytes) {
            // A frame larger than the chunk: read more at once.
            chunkBytes *= 2;
            continue;
          }
          // No frame in twice the largest frame: garbage; step over half of it and resynchronise.
          this.#skippedRanges += 1;
          offset += Math.floor(n / 2);
          continue;
        }
        chunkBytes = READ_CHUNK_BYTES;
        let consumed = scan.validEnd;
        for (const frame of scan.frames) {
          if (frame.seq <= afterSeq) continue;
          if (samples.length >= max) {
            consumed = frame.offset;
            break;
          }
          const sample = this.#decode(frame, segment.path);
          if (sample) samples.push(sample);
        }
        offset += consumed;
        if (atEof && scan.validEnd < n) break;
      }
    } finally {
      closeSync(fd);
    }
    return { samples, end: offset };
  }

  #decode(frame: Frame, path: string): Sample | null {
    try {
      const parsed = SampleSchema.safeParse(JSON.parse(frame.payload.toString('utf8')));
      if (parsed.success && parsed.data.seq === frame.seq) return parsed.data;
      this.#log.error({ segment: path, seq: frame.seq }, 'spool: record failed validation; skipped');
    } catch (error) {
      this.#log.error(
        { segment: path, seq: frame.seq, error: errorMessage(error) },
        'spool: unreadable record; skipped',
      );
    }
    this.#invalidRecords += 1;
    return null;
  }

  /** Marks every record with seq ≤ `throughSeq` as accepted by a collector; trims whole segments. */
  ack(throughSeq: number): void {
    if (this.#closed || throughSeq <= this.#state.acked_seq) return;
    this.#state = { ...this.#state, acked_seq: Math.min(throughSeq, this.#nextSeq - 1) };
    this.#saveState();
    this.#deleteAcked();
  }

  /** Applies the age bound; the agent calls it now and then so an idle spool still ages out. */
  maintain(): void {
    if (!this.#closed) this.#enforceBounds();
  }

  get stats(): SpoolStats {
    return {
      depth: this.#segments.reduce((sum, s) => sum + this.#unackedIn(s), 0),
      lastSeq: this.#nextSeq - 1,
      ackedSeq: this.#state.acked_seq,
      lost: this.#state.lost,
      skippedRanges: this.#skippedRanges,
      invalidRecords: this.#invalidRecords,
      bytes: this.#segments.reduce((sum, s) => sum + s.bytes, 0),
      segments: this.#segments.length,
    };
  }

  /** Flushes and closes; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#fd !== null) {
      fdatasyncSync(this.#fd);
      closeSync(this.#fd);
      this.#fd = null;
    }
    this.#saveState();
    try {
      unlinkSync(this.#lockPath);
    } catch {}
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
