/** A calendar date on a wall clock, with no time zone attached; `month` is 1-12. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** A wall-clock time of day; `hour` is 0-23. */
export interface LocalTime {
  readonly hour: number;
  readonly minute: number;
}

/** The wall-clock reading of an instant in a time zone; `weekday` is 0 (Sunday) to 6 (Saturday). */
export interface ZonedParts extends LocalDate, LocalTime {
  readonly second: number;
  readonly weekday: number;
}

const MS_PER_DAY = 86_400_000;

// Constructing a DateTimeFormat costs far more than formatting with one, and tradeDay runs per check.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    // h23 because some locales' default cycle renders midnight as 24:00, which would land on the wrong date.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True if `timeZone` is an IANA zone name this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds since the epoch of a wall-clock reading taken as if it were UTC. */
function wallClockMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 onto 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** The wall-clock year, month, day, hour, minute, second and weekday of `instant` in `timeZone`. */
export function zonedParts(instant: Date, timeZone: string): ZonedParts {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('zonedParts: invalid Date');
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(ms)) fields[part.type] = part.value;
  const year = Number(fields.year);
  const month = Number(fields.month);
  const day = Number(fields.day);
  const hour = Number(fields.hour);
  const minute = Number(fields.minute);
  const second = Number(fields.second);
  return { year, month, day, hour, minute, second, weekday: weekdayOf({ year, month, day }) };
}

/** The weekday of a calendar date: 0 (Sunday) to 6 (Saturday). */
export function weekdayOf(date: LocalDate): number {
  return new Date(wallClockMs(date.year, date.month, date.day)).getUTCDay();
}

/** The calendar date `days` days after `date` (negative goes back). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(wallClockMs(date.year, date.month, date.day) + days * MS_PER_DAY);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** True if year, month and day name a date that exists in the Gregorian calendar. */
export function isRealDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  return addDays({ year, month, day }, 0).day === day;
}

/** `date` as 'YYYYMMDD', the key used for holidays and trade days. */
export function formatYmd(date: LocalDate): string {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(date.year, 4)}${pad(date.month, 2)}${pad(date.day, 2)}`;
}

/** The UTC offset in ms (wall clock minus UTC) that `timeZone` has at epoch milliseconds `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  // The formatter has second precision, so compare against the instant truncated to the second.
  const whole = Math.floor(ms / 1000) * 1000;
  const p = zonedParts(new Date(whole), timeZone);
  return wallClockMs(p.year, p.month, p.day, p.hour, p.minute, p.second) - whole;
}

/**
 * The instant at which the wall clock in `timeZone` reads `date` at `time`; a reading repeated by a DST
 * fall-back resolves to the earlier instant, one skipped by a spring-forward is pushed later by the gap.
 */
export function zonedTimeToInstant(date: LocalDate, time: LocalTime, timeZone: string): Date {
  const wall = wallClockMs(date.year, date.month, date.day, time.hour, time.minute);
  // Every real zone changes offset at most once within a day, so the offsets a day either side are the only
  // candidates; each gives an instant that is right only if the zone really has that offset there.
  const before = offsetAt(wall - MS_PER_DAY, timeZone);
  const after = offsetAt(wall + MS_PER_DAY, timeZone);
  const matches = [wall - before, wall - after].filter((ms) => ms + offsetAt(ms, timeZone) === wall);
  if (matches.length > 0) return new Date(Math.min(...matches));
  // No instant shows this reading: it lies in a spring-forward gap, and the old offset carries it past the gap
  // by the gap's length, matching Temporal's 'compatible' disambiguation.
  return new Date(wall - before);
}
