import { describe, expect, it } from 'vitest';
import { compileCalendar, isWithinSessionWindows, nextWindowOpening } from '../src/calendar/index.ts';

// National Day 2026 (weekdays listed, as in cn-exchanges-2026.json) and Qingming on Monday 2026-04-06.
const cn = compileCalendar({
  holidays: ['2026-04-06', '2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'],
});
const futures = ['08:45-15:30', '20:45-02:35'];
// Many commodity night sessions end at 23:00 and so do not cross midnight; they are cancelled just the same.
const shortNight = ['09:00-15:00', '21:00-23:00'];

describe('no night session on the eve of a holiday', () => {
  it.each([
    ['eve of National Day, night', futures, '2026-09-30T21:00:00+08:00', false],
    ['eve of National Day, after midnight', futures, '2026-10-01T01:00:00+08:00', false],
    ['eve of National Day, day session still trades', futures, '2026-09-30T10:00:00+08:00', true],
    ['Friday before a Monday holiday: no night session', futures, '2026-04-03T21:00:00+08:00', false],
    ['Saturday 01:00 after that Friday', futures, '2026-04-04T01:00:00+08:00', false],
    ['an ordinary Friday night still trades', futures, '2026-03-06T21:00:00+08:00', true],
    ['the night before the day after the holidays trades', futures, '2026-10-08T21:00:00+08:00', true],
    ['a short night session before a holiday', shortNight, '2026-09-30T22:00:00+08:00', false],
    ['a short night session on an ordinary day', shortNight, '2026-09-29T22:00:00+08:00', true],
    ['the last holiday evening opens nothing either', futures, '2026-10-07T21:00:00+08:00', false],
  ])('%s (%s at %s) -> %s', (_label, windows, iso, expected) => {
    expect(isWithinSessionWindows(new Date(iso), windows, cn)).toBe(expected);
  });

  it('a daytime window crossing midnight is treated as a night session too', () => {
    expect(isWithinSessionWindows(new Date('2026-09-30T23:00:00+08:00'), ['13:00-01:00'], cn)).toBe(false);
    expect(isWithinSessionWindows(new Date('2026-09-29T23:00:00+08:00'), ['13:00-01:00'], cn)).toBe(true);
  });

  it.each([
    ['eve of National Day -> the first day after', '2026-09-30T16:00:00+08:00', '2026-10-08T08:45:00+08:00'],
    ['Friday before Qingming -> Tuesday morning', '2026-04-03T16:00:00+08:00', '2026-04-07T08:45:00+08:00'],
    ['an ordinary Friday afternoon -> that night', '2026-03-06T16:00:00+08:00', '2026-03-06T20:45:00+08:00'],
  ])('nextWindowOpening skips the cancelled session: %s', (_label, iso, expected) => {
    expect(nextWindowOpening(new Date(iso), futures, cn)?.toISOString()).toBe(
      new Date(expected).toISOString(),
    );
  });
});
