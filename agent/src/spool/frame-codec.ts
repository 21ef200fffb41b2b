import { crc32 } from 'node:zlib';

// Frame: 'P' 'W' version reserved | payload length u32 | crc32 u32 | seq u64 | written-at ms f64 | payload.
// The CRC covers seq, time and payload, so a frame torn anywhere (or a stray byte) fails the check.
const MAGIC_0 = 0x50;
const MAGIC_1 = 0x57;
const VERSION = 1;
/** Bytes before a frame's payload. */
export const FRAME_HEADER_BYTES = 28;
/** Largest accepted payload: a sample with 20 matches of 4 KiB command lines stays far below it. */
export const FRAME_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** One decoded frame. */
export interface Frame {
  readonly offset: number;
  readonly end: number;
  readonly seq: number;
  readonly writtenAtMs: number;
  readonly payload: Buffer;
}

/** What scanning a buffer of frames found. */
export interface FrameScan {
  readonly frames: Frame[];
  /** Byte ranges that held no valid frame (torn writes, corruption), skipped. */
  readonly skipped: { offset: number; length: number }[];
  /** End of the last valid frame; bytes after it are an incomplete or corrupt tail. */
  readonly validEnd: number;
}

/** Encodes one record. */
export function encodeFrame(seq: number, writtenAtMs: number, payload: Buffer): Buffer {
  if (payload.length > FRAME_MAX_PAYLOAD_BYTES)
    throw new RangeError(`spool record of ${payload.length} bytes is too large`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame[0] = MAGIC_0;
  frame[1] = MAGIC_1;
  frame[2] = VERSION;
  frame[3] = 0;
  frame.writeUInt32BE(payload.length, 4);
  frame.writeBigUInt64BE(BigInt(seq), 12);
  frame.writeDoubleBE(writtenAtMs, 20);
  payload.copy(frame, FRAME_HEADER_BYTES);
  frame.writeUInt32BE(crc32(frame.subarray(12)), 8);
  return frame;
}

/** Decodes the frame at `offset`, or returns 'incomplete' (buffer ends inside it) or 'invalid'. */
export function decodeFrameAt(buffer: Buffer, offset: number): Frame | 'incomplete' | 'invalid' {
  if (buffer.length - offset < FRAME_HEADER_BYTES) {
    // A prefix that still looks like a header start is an incomplete frame; anything else is garbage.
    const head = buffer.subarray(offset, offset + 3);
    const plausible =
      (head.length < 1 || head[0] === MAGIC_0) &&
      (head.length < 2 || head[1] === MAGIC_1) &&
      (head.length < 3 || head[2] === VERSION);
    return plausible ? 'incomplete' : 'invalid';
  }
  if (buffer[offset] !== MAGIC_0 || buffer[offset + 1] !== MAGIC_1 || buffer[offset + 2] !== VERSION)
    return 'invalid';
  const length = buffer.readUInt32BE(offset + 4);
  if (length > FRAME_MAX_PAYLOAD_BYTES) return 'invalid';
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > buffer.length) return 'incomplete';
  if (crc32(buffer.subarray(offset + 12, end)) !== buffer.readUInt32BE(offset + 8)) return 'invalid';
  const seq = Number(buffer.readBigUInt64BE(offset + 12));
  return {
    offset,
    end,
    seq,
    writtenAtMs: buffer.readDoubleBE(offset + 20),
    payload: buffer.subarray(offset + FRAME_HEADER_BYTES, end),
  };
}

function nextMagic(buffer: Buffer, from: number): number {
  for (let i = buffer.indexOf(MAGIC_0, from); i !== -1; i = buffer.indexOf(MAGIC_0, i + 1)) {
    if (i + 1 >= buffer.length || buffer[i + 1] === MAGIC_1) return i;
  }
  return -1;
}

/**
 * Decodes consecutive frames from `start`, at most `maxFrames`. A bad frame is skipped by searching
 * for the next frame that decodes, so one corrupt record never hides the ones after it. With
 * `atEof`, an incomplete frame at the end counts as a torn tail; without, the scan stops before it
 * (the caller reads on from `validEnd`).
 */
export function scanFrames(
  buffer: Buffer,
  start = 0,
  maxFrames = Number.POSITIVE_INFINITY,
  atEof = true,
): FrameScan {
  const frames: Frame[] = [];
  const skipped: { offset: number; length: number }[] = [];
  let offset = start;
  let validEnd = start;
  while (offset < buffer.length && frames.length < maxFrames) {
    const frame = decodeFrameAt(buffer, offset);
    if (typeof frame === 'object') {
      frames.push(frame);
      offset = frame.end;
      validEnd = frame.end;
      continue;
    }
    if (frame === 'incomplete' && !atEof) break;
    // Invalid here, or incomplete at the very end: look for a later frame that decodes.
    let resync = nextMagic(buffer, offset + 1);
    while (resync !== -1 && typeof decodeFrameAt(buffer, resync) !== 'object')
      resync = nextMagic(buffer, resync + 1);
    if (resync === -1) break;
    skipped.push({ offset, length: resync - offset });
    offset = resync;
  }
  return { frames, skipped, validEnd };
}
