import { spawn } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FRAME_HEADER_BYTES, scanFrames } from '../src/spool/frame-codec.ts';
import { Spool } from '../src/spool/spool.ts';
import { memoryLogger } from './support/log.ts';
import { waitFor } from './support/poll.ts';
import { sample } from './support/samples.ts';
import { tmpDir } from './support/tmp.ts';

const segments = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.seg'))
    .sort();

function readAll(spool: Spool, afterSeq = 0) {
  const out = [];
  for (let batch = spool.readAfter(afterSeq, 100); batch.length > 0; batch = spool.readAfter(afterSeq, 100)) {
    out.push(...batch);
    afterSeq = batch[batch.length - 1]!.seq;
  }
  return out;
}

describe('frame codec', () => {
  it('round-trips frames and resynchronises after garbage', () => {
    const a = encodeFrame(1, 10, Buffer.from('{"a":1}'));
    const b = encodeFrame(2, 11, Buffer.from('{"b":2}'));
    const corrupt = Buffer.from(b);
    corrupt[FRAME_HEADER_BYTES] = 0x41;
    const scan = scanFrames(Buffer.concat([a, Buffer.from('garbage PW'), corrupt, b, a.subarray(0, 20)]));
    expect(scan.frames.map((f) => f.seq)).toEqual([1, 2]);
    expect(scan.skipped.length).toBeGreaterThanOrEqual(1);
    expect(scan.validEnd).toBe(a.length + 10 + corrupt.length + b.length);
  });
});

describe('Spool', () => {
  it('appends with sequence numbers that continue after reopen, reads in order, trims acknowledged', () => {
    using dir = tmpDir();
    const { log } = memoryLogger();
    const spool = Spool.open({ dir: dir.path, log, segmentBytes: 64 * 1024 });
    const written = spool.append(Array.from({ length: 250 }, () => sample()));
    expect(written.map((s) => s.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(spool.readAfter(0, 10).map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(spool.readAfter(10, 5).map((s) => s.seq)).toEqual([11, 12, 13, 14, 15]);
    expect(segments(dir.path).length).toBeGreaterThanOrEqual(2);
    spool.ack(200);
    expect(spool.stats.depth).toBe(50);
    spool.close();

    const again = Spool.open({ dir: dir.path, log, segmentBytes: 64 * 1024 });
    expect(again.stats).toMatchObject({ ackedSeq: 200, lastSeq: 250, depth: 50 });
    expect(readAll(again, 200).map((s) => s.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 201));
    expect(again.append([sample()])[0]?.seq).toBe(251);
    again.ack(251);
    expect(again.stats.depth).toBe(0);
    again.close();
    // Everything acknowledged: after reopening, only the fresh active segment is left, and seqs go on.
    const third = Spool.open({ dir: dir.path, log });
    expect(segments(dir.path)).toHaveLength(1);
    expect(third.append([sample()])[0]?.seq).toBe(252);
    third.close();
  });

  it('skips a torn tail on start, truncates it, and appends cleanly after it', () => {
    using dir = tmpDir();
    const { log, lines } = memoryLogger();
    const spool = Spool.open({ dir: dir.path, log });
    spool.append(Array.from({ length: 5 }, () => sample()));
    spool.close();
    const [file] = segments(dir.path);
    const path = join(dir.path, file!);
    // A crash in the middle of the last write: half a frame at the end.
    const size = statSync(path).size;
    truncateSync(path, size - 40);
    const reopened = Spool.open({ dir: dir.path, log });
    expect(lines.some((l) => l.msg === 'spool: skipped torn or corrupt records')).toBe(true);
    expect(reopened.stats.lastSeq).toBe(4);
    expect(reopened.append([sample()])[0]?.seq).toBe(5);
    expect(readAll(reopened).map((s) => s.seq)).toEqual([1, 2, 3, 4, 5]);
    reopened.close();
  });

  it('skips a corrupt record in the middle and records that fail validation', () => {
    using dir = tmpDir();
    const { log } = memoryLogger();
    const spool = Spool.open({ dir: dir.path, log });
    spool.append(Array.from({ length: 3 }, () => sample()));
    spool.close();
    const path = join(dir.path, segments(dir.path)[0]!);
    const bytes = readFileSync(path);
    const second = scanFrames(bytes).frames[1]!;
    const at = second.offset + FRAME_HEADER_BYTES + 5;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
    writeFileSync(path, bytes);
    // A well-framed record whose content is not a sample.
    appendFileSync(path, encodeFrame(4, Date.now(), Buffer.from('{"seq":4,"nonsense":true}')));
    const reopened = Spool.open({ dir: dir.path, log });
    expect(readAll(reopened).map((s) => s.seq)).toEqual([1, 3]);
    expect(reopened.stats.invalidRecords).toBe(1);
    expect(reopened.stats.skippedRanges).toBeGreaterThanOrEqual(1);
    expect(reopened.append([sample()])[0]?.seq).toBe(5);
    reopened.close();
  });

  it('drops the oldest segments past the size bound, counting and logging the loss', () => {
    using dir = tmpDir();
    const { log, lines } = memoryLogger();
    const maxBytes = 1024 * 1024;
    const spool = Spool.open({ dir: dir.path, log, maxBytes, segmentBytes: 128 * 1024 });
    const big = 'y'.repeat(1800);
    for (let i = 0; i < 1000; i++) spool.append([sample(1, { error_message: big })]);
    const stats = spool.stats;
    expect(stats.bytes).toBeLessThanOrEqual(maxBytes);
    expect(stats.lost).toBeGreaterThan(0);
    expect(stats.lost + stats.depth).toBe(1000);
    const kept = readAll(spool);
    expect(kept[0]?.seq).toBe(stats.lost + 1);
    expect(kept[kept.length - 1]?.seq).toBe(1000);
    expect(
      lines.some((l) => l.msg === 'spool: dropped the oldest unsent samples' && l.reason === 'max size'),
    ).toBe(true);
    spool.close();
    // The loss is remembered.
    const reopened = Spool.open({ dir: dir.path, log, maxBytes, segmentBytes: 128 * 1024 });
    expect(reopened.stats.lost).toBe(stats.lost);
    reopened.close();
  });

  it('drops segments older than the age bound', () => {
    using dir = tmpDir();
    const { log } = memoryLogger();
    let now = Date.parse('2026-03-02T00:00:00Z');
    const options = { dir: dir.path, log, maxAgeMs: 7 * 24 * 3600_000, now: () => now };
    const spool = Spool.open(options);
    spool.append(Array.from({ length: 10 }, () => sample()));
    now += 2 * 3600_000;
    spool.append(Array.from({ length: 10 }, () => sample()));
    expect(spool.stats.depth).toBe(20);
    now += 7 * 24 * 3600_000 - 3600_000;
    spool.maintain();
    expect(spool.stats).toMatchObject({ depth: 10, lost: 10 });
    expect(readAll(spool)[0]?.seq).toBe(11);
    spool.close();
  });

  it('refuses a spool directory held by another live process, not one left by a dead or recycled pid', () => {
    using dir = tmpDir();
    const { log } = memoryLogger();
    const lock = join(dir.path, 'spool.lock');
    const ppidStat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    const ppidStart = ppidStat.slice(ppidStat.lastIndexOf(')') + 2).split(' ')[19];
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    writeFileSync(lock, `${process.ppid} ${bootId}:${ppidStart}\n`);
    expect(() => Spool.open({ dir: dir.path, log })).toThrow(/in use/);
    // The same pid, but another process by now (the agent that wrote the lock died, the pid was reused).
    writeFileSync(lock, `${process.ppid} ${bootId}:1\n`);
    Spool.open({ dir: dir.path, log }).close();
    writeFileSync(lock, '999999999\n');
    Spool.open({ dir: dir.path, log }).close();
  });
});

describe('Spool crash', () => {
  const writer = fileURLToPath(new URL('./fixtures/spool-writer.ts', import.meta.url));

  async function writeUntilKilled(dir: string, atLeast: number): Promise<number[]> {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const printed: number[] = [];
    let rest = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = rest + chunk.toString();
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) printed.push(Number(p));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => printed.length >= atLeast, { timeoutMs: 60_000, what: `${atLeast} appends` });
    child.kill('SIGKILL');
    await exited;
    return printed;
  }

  it('stays readable after SIGKILL during writes, losing at most the record being written', async () => {
    using dir = tmpDir();
    const { log } = memoryLogger();
    let confirmed: number[] = [];
    for (let round = 0; round < 3; round++) {
      const printed = await writeUntilKilled(dir.path, 300 * (round + 1));
      confirmed = [...confirmed, ...printed];
      const spool = Spool.open({ dir: dir.path, log, segmentBytes: 64 * 1024 });
      const seqs = readAll(spool).map((s) => s.seq);
      spool.close();
      // Every append that returned before the kill is there, in order, with no gap and no duplicate.
      expect(seqs.slice(0, confirmed.length)).toEqual(confirmed);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      // At most the record being written when the kill came is beyond what was confirmed.
      expect(seqs.length - confirmed.length).toBeLessThanOrEqual(1);
      confirmed = seqs;
    }
  });
});
