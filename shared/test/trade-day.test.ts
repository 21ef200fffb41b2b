import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CompiledCalendar,
  compileCalendar,
  DEFAULT_CALENDAR,
  DEFAULT_COMPILED_CALENDAR,
  isTradingDay,
  nextTradingDay,
  parseTradingCalendar,
  previousTradingDay,
  tradeDay,
} from '../src/calendar/index.ts';

// A slice of the 2026 mainland closures, enough for each rule without depending on the shipped file.
const cn = compileCalendar({
  name: 'test-cn',
  holidays: [
    ...['2026-04-06', '2026-05-01', '2026-05-04', '2026-05-05'],
    ...['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'],
  ],
});

const chicago = compileCalendar({ timeZone: 'America/Chicago', rollTime: '17:00', holidays: ['2026-11-26'] });

function everyDayOf(...years: number[]): string[] {
  const days: string[] = [];
  for (const year of years) {
    for (
      let d = new Date(Date.UTC(year, 0, 1));
      d.getUTCFullYear() === year;
      d.setUTCDate(d.getUTCDate() + 1)
    ) {
      days.push(d.toISOString().slice(0, 10));
    }
  }
  return days;
}

describe('tradeDay in Asia/Shanghai with a 20:00 roll', () => {
  it.each([
    ['weekday morning', '2026-03-04T10:00:00+08:00', '20260304'],
    ['weekday just before roll', '2026-03-04T19:59:59.999+08:00', '20260304'],
    ['weekday exactly at roll', '2026-03-04T20:00:00+08:00', '20260305'],
    ['weekday night session', '2026-03-04T23:59:00+08:00', '20260305'],
    ['midnight Tuesday', '2026-03-03T00:00:00+08:00', '20260303'],
    ['instant written in UTC (20:30 local)', '2026-03-06T12:30:00Z', '20260309'],
    ['instant written in UTC (19:30 local)', '2026-03-06T11:30:00Z', '20260306'],
    ['Friday afternoon', '2026-03-06T15:00:00+08:00', '20260306'],
    ['Friday night', '2026-03-06T21:00:00+08:00', '20260309'],
    ['Saturday early hours', '2026-03-07T01:00:00+08:00', '20260309'],
    ['Saturday morning', '2026-03-07T10:00:00+08:00', '20260309'],
    ['Saturday night', '2026-03-07T22:00:00+08:00', '20260309'],
    ['Sunday noon', '2026-03-08T12:00:00+08:00', '20260309'],
    ['Sunday night', '2026-03-08T21:00:00+08:00', '20260309'],
    ['Monday early hours', '2026-03-09T02:00:00+08:00', '20260309'],
    ['holiday Monday', '2026-04-06T10:00:00+08:00', '20260407'],
    ['Friday night before a holiday Monday', '2026-04-03T21:00:00+08:00', '20260407'],
    ['holiday in a run of holidays', '2026-10-05T10:00:00+08:00', '20261008'],
    ['day before a holiday, before roll', '2026-09-30T15:00:00+08:00', '20260930'],
    ['day before a holiday, after roll', '2026-09-30T21:00:00+08:00', '20261008'],
    ['last holiday, after roll', '2026-10-07T20:00:00+08:00', '20261008'],
    ['weekend make-up workday is not a trading day', '2026-10-10T10:00:00+08:00', '20261012'],
  ])('%s: %s -> %s', (_label, iso, expected) => {
    expect(tradeDay(new Date(iso), cn)).toBe(expected);
  });

  it('uses the default calendar (Shanghai, 20:00, no holidays) when none is given', () => {
    expect(tradeDay(new Date('2026-10-01T10:00:00+08:00'))).toBe('20261001');
    expect(tradeDay(new Date('2026-03-06T20:00:00+08:00'))).toBe('20260309');
  });

  it('rejects an invalid Date', () => {
    expect(() => tradeDay(new Date('not a date'), cn)).toThrow(/invalid Date/);
  });
});

describe('tradeDay in America/Chicago with a 17:00 roll, across DST changes', () => {
  it.each([
    // DST starts Sunday 2026-03-08: CST (-06:00) before, CDT (-05:00) after.
    ['Thursday 16:30 CST', '2026-03-05T22:30:00Z', '20260305'],
    ['Thursday 17:00 CST', '2026-03-05T23:00:00Z', '20260306'],
    ['Friday 17:00 CST', '2026-03-06T17:00:00-06:00', '20260309'],
    ['Sunday 01:59 CST, just before the gap', '2026-03-08T07:59:00Z', '20260309'],
    ['Monday 16:00 CDT', '2026-03-09T21:00:00Z', '20260309'],
    // 22:00Z is 16:00 in CST but 17:00 in CDT: only a DST-aware conversion rolls here.
    ['Monday 17:00 CDT', '2026-03-09T22:00:00Z', '20260310'],
    // DST ends Sunday 2026-11-01 at 02:00 CDT.
    ['Friday 17:00 CDT', '2026-10-30T22:00:00Z', '20261102'],
    ['Sunday 01:30 CDT, first pass', '2026-11-01T06:30:00Z', '20261102'],
    ['Sunday 01:30 CST, second pass', '2026-11-01T07:30:00Z', '20261102'],
    ['Monday 16:00 CST', '2026-11-02T22:00:00Z', '20261102'],
    ['Monday 17:00 CST', '2026-11-02T23:00:00Z', '20261103'],
    ['Wednesday night before Thanksgiving', '2026-11-25T18:00:00-06:00', '20261127'],
    // Midnight UTC is still the previous evening in Chicago.
    ['Tuesday 00:00 UTC is Monday 19:00 CDT', '2026-03-10T00:00:00Z', '20260310'],
  ])('%s: %s -> %s', (_label, iso, expected) => {
    expect(tradeDay(new Date(iso), chicago)).toBe(expected);
  });
});

describe('isTradingDay, nextTradingDay, previousTradingDay', () => {
  const makeUp = compileCalendar({ holidays: ['2026-02-16'], extraTradingDays: ['2026-02-14'] });

  it.each<[string, string | { year: number; month: number; day: number }, CompiledCalendar, boolean]>([
    ['a weekday', '20260306', cn, true],
    ['a Saturday', '20260307', cn, false],
    ['a Sunday', '20260308', cn, false],
    ['a holiday', '20261001', cn, false],
    ['date parts', { year: 2026, month: 3, day: 9 }, cn, true],
    ['a Saturday listed in extraTradingDays', '20260214', makeUp, true],
    ['a holiday in another calendar', '20260216', makeUp, false],
  ])('%s (%o) -> %s', (_label, day, calendar, expected) => {
    expect(isTradingDay(day, calendar)).toBe(expected);
  });

  it.each([
    ['Friday', '20260306', '20260309', '20260305'],
    ['Saturday', '20260307', '20260309', '20260306'],
    ['the day before a holiday run', '20260930', '20261008', '20260929'],
    ['the day after a holiday run', '20261008', '20261009', '20260930'],
    ['a year end', '20261231', '20270101', '20261230'],
  ])('%s %s: next %s, previous %s', (_label, day, next, previous) => {
    expect(nextTradingDay(day, cn)).toBe(next);
    expect(previousTradingDay(day, cn)).toBe(previous);
  });

  it('counts a night session on the eve of a make-up trading day towards that day', () => {
    expect(tradeDay(new Date('2026-02-13T21:00:00+08:00'), makeUp)).toBe('20260214');
    expect(tradeDay(new Date('2026-02-14T21:00:00+08:00'), makeUp)).toBe('20260217');
  });

  it.each(['2026-03-06', '20260230', '2026036', ''])('rejects the day %j', (day) => {
    expect(() => isTradingDay(day, cn)).toThrow(/not a real YYYYMMDD date/);
  });

  it('rejects date parts that name no date', () => {
    expect(() => nextTradingDay({ year: 2026, month: 2, day: 29 }, cn)).toThrow(/not a real date/);
  });
});

describe('calendars where no day trades', () => {
  const closed = compileCalendar({ name: 'closed', holidays: everyDayOf(2026, 2027) });

  it('throws a clear error instead of looping', () => {
    expect(() => tradeDay(new Date('2026-06-01T10:00:00+08:00'), closed)).toThrow(
      /no trading day within 366 days after 20260601 in trading calendar "closed"/,
    );
    expect(() => previousTradingDay('20270601', closed)).toThrow(/366 days before 20270601/);
  });

  it('still finds a trading day exactly 366 days away', () => {
    const closed2026 = compileCalendar({ holidays: everyDayOf(2026) });
    expect(nextTradingDay('20251231', closed2026)).toBe('20270101');
  });
});

describe('calendar file validation', () => {
  it('fills in the defaults', () => {
    expect(parseTradingCalendar({ holidays: [] })).toEqual({
      timeZone: 'Asia/Shanghai',
      rollTime: '20:00',
      holidays: [],
      extraTradingDays: [],
    });
    expect(DEFAULT_COMPILED_CALENDAR).toMatchObject({ timeZone: 'Asia/Shanghai', rollTime: '20:00' });
    expect(DEFAULT_COMPILED_CALENDAR.holidays.size).toBe(0);
    expect(Object.isFrozen(DEFAULT_CALENDAR.holidays)).toBe(true);
  });

  it('compiles to a frozen object with YYYYMMDD day sets', () => {
    expect(Object.isFrozen(cn)).toBe(true);
    expect(cn.holidays).toBeInstanceOf(Set);
    expect(cn.holidays.has('20261001')).toBe(true);
    expect(cn.roll).toEqual({ hour: 20, minute: 0 });
  });

  it.each([
    [
      'an impossible date',
      { holidays: ['2026-01-01', '2026-02-30'] },
      /holidays\[1\]: "2026-02-30" is not a real/,
    ],
    [
      'a malformed date',
      { holidays: ['2026/03/01'] },
      /holidays\[0\]: "2026\/03\/01" is not a YYYY-MM-DD date/,
    ],
    [
      'a bad extra day',
      { holidays: [], extraTradingDays: ['2026-13-01'] },
      /extraTradingDays\[0\]: "2026-13-01"/,
    ],
    [
      'an unknown zone',
      { timeZone: 'Mars/Olympus_Mons', holidays: [] },
      /timeZone: "Mars\/Olympus_Mons" is not/,
    ],
    ['a 12-hour roll time', { rollTime: '8pm', holidays: [] }, /rollTime: "8pm" is not an HH:MM time/],
    ['roll time 24:00', { rollTime: '24:00', holidays: [] }, /rollTime: "24:00"/],
    ['missing holidays', { timeZone: 'Asia/Shanghai' }, /holidays: /],
    ['a misspelt key', { holidays: [], extraTradingDay: [] }, /extraTradingDay/],
    [
      'a day both closed and open',
      { holidays: ['2026-02-14'], extraTradingDays: ['2026-02-14'] },
      /also listed/,
    ],
    ['not an object', 'Asia/Shanghai', /invalid trading calendar: \(calendar\)/],
  ])('rejects %s', (_label, input, message) => {
    expect(() => parseTradingCalendar(input)).toThrow(message);
  });

  it('reports every bad field at once', () => {
    expect(() => parseTradingCalendar({ timeZone: 'Nowhere', rollTime: '7', holidays: ['x'] })).toThrow(
      /timeZone: .*; rollTime: .*; holidays\[0\]: /,
    );
  });

  it('validates in compileCalendar too', () => {
    expect(() => compileCalendar({ ...DEFAULT_CALENDAR, timeZone: 'Asia/Shanghia' })).toThrow(/timeZone/);
  });
});

describe('the shipped cn-exchanges-2026.json', () => {
  const text = readFileSync(new URL('../calendars/cn-exchanges-2026.json', import.meta.url), 'utf8');
  const calendar = parseTradingCalendar(JSON.parse(text));
  const compiled = compileCalendar(calendar);

  it('validates and keeps the mainland defaults', () => {
    expect(calendar).toMatchObject({ timeZone: 'Asia/Shanghai', rollTime: '20:00', extraTradingDays: [] });
    expect(calendar.source).toContain('国务院办公厅关于2026年部分节假日安排的通知');
    expect(calendar.source).toMatch(/December/);
  });

  it('lists only 2026 weekdays, sorted and without repeats', () => {
    expect(calendar.holidays.length).toBe(19);
    expect([...new Set(calendar.holidays)].sort()).toEqual(calendar.holidays);
    for (const day of calendar.holidays) {
      expect(day.startsWith('2026-')).toBe(true);
      expect([0, 6]).not.toContain(new Date(`${day}T00:00:00Z`).getUTCDay());
    }
  });

  it.each([
    ['New Year', '2026-01-01T10:00:00+08:00', '20260105'],
    ['make-up Sunday after New Year', '2026-01-04T10:00:00+08:00', '20260105'],
    ['Friday night before Spring Festival', '2026-02-13T21:00:00+08:00', '20260224'],
    ['make-up Saturday in Spring Festival', '2026-02-14T10:00:00+08:00', '20260224'],
    ['Qingming Monday', '2026-04-06T10:00:00+08:00', '20260407'],
    ['Labour Day eve night', '2026-04-30T21:00:00+08:00', '20260506'],
    ['Dragon Boat Friday', '2026-06-19T10:00:00+08:00', '20260622'],
    ['Mid-Autumn Friday', '2026-09-25T10:00:00+08:00', '20260928'],
    ['National Day eve night', '2026-09-30T21:00:00+08:00', '20261008'],
    ['make-up Saturday after National Day', '2026-10-10T10:00:00+08:00', '20261012'],
  ])('%s: %s -> %s', (_label, iso, expected) => {
    expect(tradeDay(new Date(iso), compiled)).toBe(expected);
  });
});
