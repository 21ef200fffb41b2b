import { describe, expect, it } from 'vitest';
import {
  compileCalendar,
  isWithinSessionWindows,
  nextWindowOpening,
  parseSessionWindow,
  SessionWindowSchema,
  zonedParts,
  zonedTimeToInstant,
} from '../src/calendar/index.ts';

const cn = compileCalendar({
  holidays: ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'],
});
const chicago = compileCalendar({ timeZone: 'America/Chicago', rollTime: '17:00', holidays: [] });

// A mainland futures process: day session plus a night session that runs past midnight.
const futures = ['08:45-15:30', '20:45-02:35'];
const dayOnly = ['08:45-15:30'];

describe('parseSessionWindow and SessionWindowSchema', () => {
  it.each([
    ['08:45-15:30', { hour: 8, minute: 45 }, { hour: 15, minute: 30 }, false],
    ['20:45-02:35', { hour: 20, minute: 45 }, { hour: 2, minute: 35 }, true],
    ['00:00-23:59', { hour: 0, minute: 0 }, { hour: 23, minute: 59 }, false],
  ])('parses %s', (text, start, end, crossesMidnight) => {
    expect(parseSessionWindow(text)).toEqual({ text, start, end, crossesMidnight });
    expect(SessionWindowSchema.safeParse(text).success).toBe(true);
  });

  it.each([
    ['8:45-15:30', /not a session window/],
    ['08:45 - 15:30', /not a session window/],
    ['24:00-01:00', /not a session window/],
    ['08:60-09:00', /not a session window/],
    ['08:45-08:45', /starts and ends at the same time/],
  ])('rejects %j', (text, message) => {
    expect(() => parseSessionWindow(text)).toThrow(message);
    const result = SessionWindowSchema.safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });

  it('rejects a bad window when checking', () => {
    expect(() => isWithinSessionWindows(new Date(), ['08:45-15:30', 'nine to five'], cn)).toThrow(
      /nine to five/,
    );
  });
});

describe('isWithinSessionWindows', () => {
  it.each([
    ['Wednesday before the day session', '2026-03-04T08:44:00+08:00', false],
    ['Wednesday as the day session opens', '2026-03-04T08:45:00+08:00', true],
    ['Wednesday mid-morning', '2026-03-04T10:00:00+08:00', true],
    ['Wednesday a minute before close', '2026-03-04T15:29:00+08:00', true],
    ['Wednesday at close (end is exclusive)', '2026-03-04T15:30:00+08:00', false],
    ['Wednesday between sessions', '2026-03-04T18:00:00+08:00', false],
    ['Wednesday night session', '2026-03-04T21:00:00+08:00', true],
    ['Thursday after midnight, in Wednesday night', '2026-03-05T01:00:00+08:00', true],
    ['Thursday when the night session ends', '2026-03-05T02:35:00+08:00', false],
    ['Friday night', '2026-03-06T23:00:00+08:00', true],
    ['Saturday 01:00, in the night session begun Friday', '2026-03-07T01:00:00+08:00', true],
    ['Saturday 01:00 in UTC form', '2026-03-06T17:00:00Z', true],
    ['Saturday morning', '2026-03-07T10:00:00+08:00', false],
    ['Saturday night', '2026-03-07T21:00:00+08:00', false],
    ['Sunday night', '2026-03-08T21:00:00+08:00', false],
    ['Monday 01:00, after a Sunday that opened nothing', '2026-03-09T01:00:00+08:00', false],
    ['Monday morning', '2026-03-09T09:00:00+08:00', true],
    ['holiday morning', '2026-10-05T10:00:00+08:00', false],
    ['holiday night', '2026-10-05T21:00:00+08:00', false],
    // The exchanges cancel the night session before a holiday (session-window-holiday-eve.test.ts).
    ['night before a holiday', '2026-09-30T21:00:00+08:00', false],
    ['early hours of a holiday, after the cancelled night session', '2026-10-01T01:00:00+08:00', false],
    ['first day after the holidays', '2026-10-08T09:00:00+08:00', true],
  ])('%s (%s) -> %s', (_label, iso, expected) => {
    expect(isWithinSessionWindows(new Date(iso), futures, cn)).toBe(expected);
  });

  it.each([
    ['Saturday 01:00', '2026-03-07T01:00:00+08:00'],
    ['Sunday noon', '2026-03-08T12:00:00+08:00'],
    ['holiday', '2026-10-05T10:00:00+08:00'],
  ])('treats an empty window list as always running: %s', (_label, iso) => {
    expect(isWithinSessionWindows(new Date(iso), [], cn)).toBe(true);
  });

  it.each([
    // DST starts 2026-03-08: 13:30Z is 07:30 CST on Friday but 08:30 CDT on Monday.
    ['Friday 13:30Z = 07:30 CST', '2026-03-06T13:30:00Z', false],
    ['Monday 13:30Z = 08:30 CDT', '2026-03-09T13:30:00Z', true],
    ['Monday 20:15Z = 15:15 CDT (closed)', '2026-03-09T20:15:00Z', false],
    ['Friday 21:00Z = 15:00 CST', '2026-03-06T21:00:00Z', true],
  ])('follows DST in America/Chicago: %s', (_label, iso, expected) => {
    expect(isWithinSessionWindows(new Date(iso), ['08:30-15:15'], chicago)).toBe(expected);
  });
});

describe('nextWindowOpening', () => {
  it.each([
    [
      'Saturday morning -> Monday day session',
      futures,
      '2026-03-07T10:00:00+08:00',
      '2026-03-09T08:45:00+08:00',
    ],
    [
      'Saturday 01:00, inside Friday night',
      futures,
      '2026-03-07T01:00:00+08:00',
      '2026-03-09T08:45:00+08:00',
    ],
    [
      'Friday afternoon -> Friday night session',
      futures,
      '2026-03-06T16:00:00+08:00',
      '2026-03-06T20:45:00+08:00',
    ],
    ['Friday afternoon, day windows only', dayOnly, '2026-03-06T16:00:00+08:00', '2026-03-09T08:45:00+08:00'],
    [
      'exactly at an opening -> the next one',
      futures,
      '2026-03-06T20:45:00+08:00',
      '2026-03-09T08:45:00+08:00',
    ],
    [
      'Wednesday morning -> Wednesday night',
      futures,
      '2026-03-04T10:00:00+08:00',
      '2026-03-04T20:45:00+08:00',
    ],
    [
      'Wednesday night -> Thursday morning',
      futures,
      '2026-03-04T21:00:00+08:00',
      '2026-03-05T08:45:00+08:00',
    ],
    ['Sunday night -> Monday morning', futures, '2026-03-08T21:00:00+08:00', '2026-03-09T08:45:00+08:00'],
    ['eve of holidays (no night session)', futures, '2026-09-30T16:00:00+08:00', '2026-10-08T08:45:00+08:00'],
    [
      'first holiday -> after the holidays',
      futures,
      '2026-10-01T03:00:00+08:00',
      '2026-10-08T08:45:00+08:00',
    ],
  ])('%s', (_label, windows, iso, expected) => {
    expect(nextWindowOpening(new Date(iso), windows, cn)?.toISOString()).toBe(
      new Date(expected).toISOString(),
    );
  });

  it('returns null for an empty window list', () => {
    expect(nextWindowOpening(new Date('2026-03-07T10:00:00+08:00'), [], cn)).toBeNull();
  });

  it('returns null when nothing opens within 14 days', () => {
    const closedOctober = compileCalendar({
      holidays: Array.from({ length: 31 }, (_, i) => `2026-10-${String(i + 1).padStart(2, '0')}`),
    });
    expect(nextWindowOpening(new Date('2026-10-01T10:00:00+08:00'), futures, closedOctober)).toBeNull();
    expect(
      nextWindowOpening(new Date('2026-10-20T10:00:00+08:00'), futures, closedOctober)?.toISOString(),
    ).toBe('2026-11-02T00:45:00.000Z');
  });

  it('opens at local time across a DST change', () => {
    expect(
      nextWindowOpening(new Date('2026-03-06T16:00:00-06:00'), ['08:30-15:15'], chicago)?.toISOString(),
    ).toBe('2026-03-09T13:30:00.000Z');
  });
});

describe('zoned time conversion used by the windows', () => {
  it.each([
    ['an ordinary time', '2026-03-06', '08:45', 'Asia/Shanghai', '2026-03-06T00:45:00.000Z'],
    ['midnight', '2026-03-06', '00:00', 'Asia/Shanghai', '2026-03-05T16:00:00.000Z'],
    ['CST', '2026-03-06', '08:30', 'America/Chicago', '2026-03-06T14:30:00.000Z'],
    ['CDT', '2026-03-09', '08:30', 'America/Chicago', '2026-03-09T13:30:00.000Z'],
    [
      'a time skipped by spring-forward moves later by the gap',
      '2026-03-08',
      '02:30',
      'America/Chicago',
      '2026-03-08T08:30:00.000Z',
    ],
    [
      'a time repeated by fall-back takes the earlier instant',
      '2026-11-01',
      '01:30',
      'America/Chicago',
      '2026-11-01T06:30:00.000Z',
    ],
    ['just after fall-back', '2026-11-01', '02:00', 'America/Chicago', '2026-11-01T08:00:00.000Z'],
  ])('%s: %s %s in %s', (_label, date, time, zone, expected) => {
    const [year, month, day] = date.split('-').map(Number) as [number, number, number];
    const [hour, minute] = time.split(':').map(Number) as [number, number];
    expect(zonedTimeToInstant({ year, month, day }, { hour, minute }, zone).toISOString()).toBe(expected);
  });

  it('reads midnight as hour 0 and gives the weekday', () => {
    expect(zonedParts(new Date('2026-03-06T16:00:00Z'), 'Asia/Shanghai')).toEqual({
      year: 2026,
      month: 3,
      day: 7,
      hour: 0,
      minute: 0,
      second: 0,
      weekday: 6,
    });
  });
});
