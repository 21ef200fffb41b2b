import { describe, expect, it } from 'vitest';
import { parseProcStat, parseProcStatBytes } from '../src/processes/proc-stat.ts';

const line =
  '4242 (we ird) (name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 150 25 0 0 20 0 3 0 123456 1000000 2048 ' +
  '18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 1 0 0 0 0 0\n';

describe('/proc/<pid>/stat parsing', () => {
  it('reads the fields after the last parenthesis, from text and from bytes alike', () => {
    const expected = {
      pid: 4242,
      comm: 'we ird) (name',
      state: 'S',
      ppid: 1,
      utimeTicks: 150,
      stimeTicks: 25,
      startTicks: 123456,
      rssPages: 2048,
    };
    expect(parseProcStat(line)).toEqual(expected);
    const buffer = Buffer.alloc(4096);
    const n = buffer.write(line);
    expect(parseProcStatBytes(buffer, n)).toEqual(expected);
  });

  it('rejects torn lines', () => {
    const buffer = Buffer.alloc(4096);
    const n = buffer.write(line.slice(0, 40));
    expect(parseProcStatBytes(buffer, n)).toBeNull();
    expect(parseProcStat(line.slice(0, 40))).toBeNull();
  });
});
