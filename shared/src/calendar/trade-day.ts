import { type CompiledCalendar, DEFAULT_COMPILED_CALENDAR } from './calendar-schema.ts';
import { addDays, formatYmd, isRealDate, type LocalDate, weekdayOf, zonedParts } from './zoned-time.ts';

/** A day given either as 'YYYYMMDD' or as calendar-date parts. */
export type DayInput = string | LocalDate;

// A year and a day: long enough for any real closure, short enough to fail fast on a calendar of only holidays.
const MAX_SEARCH_DAYS = 366;

/** The calendar date a 'YYYYMMDD' string names; throws on anything else. */
export function parseYmd(text: string): LocalDate {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  const date = match && { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  if (!date || !isRealDate(date.year, date.month, date.day)) {
    throw new RangeError(`"${text}" is not a real YYYYMMDD date`);
  }
  return date;
}

function toLocalDate(day: DayInput): LocalDate {
  if (typeof day === 'string') return parseYmd(day);
  if (!isRealDate(day.year, day.month, day.day)) {
    throw new RangeError(`${day.year}-${day.month}-${day.day} is not a real date`);
  }
  return day;
}

function isTradingDate(date: LocalDate, calendar: CompiledCalendar): boolean {
  const key = formatYmd(date);
  if (calendar.extraTradingDays.has(key)) return true;
  const weekday = weekdayOf(date);
  return weekday !== 0 && weekday !== 6 && !calendar.holidays.has(key);
}

function describe(calendar: CompiledCalendar): string {
  return calendar.name === undefined ? 'the trading calendar' : `trading calendar "${calendar.name}"`;
}

function stepToTradingDay(from: LocalDate, step: 1 | -1, calendar: CompiledCalendar): string {
  for (let offset = 1; offset <= MAX_SEARCH_DAYS; offset++) {
    const candidate = addDays(from, step * offset);
    if (isTradingDate(candidate, calendar)) return formatYmd(candidate);
  }
  const direction = step === 1 ? 'after' : 'before';
  throw new Error(
    `no trading day within ${MAX_SEARCH_DAYS} days ${direction} ${formatYmd(from)} in ${describe(calendar)}: ` +
      'are all those days listed as holidays?',
  );
}

/** True if `day` trades: a weekday that is not a holiday, or a day listed in extraTradingDays. */
export function isTradingDay(day: DayInput, calendar: CompiledCalendar = DEFAULT_COMPILED_CALENDAR): boolean {
  return isTradingDate(toLocalDate(day), calendar);
}

/** The first trading day strictly after `day`, as 'YYYYMMDD'. */
export function nextTradingDay(
  day: DayInput,
  calendar: CompiledCalendar = DEFAULT_COMPILED_CALENDAR,
): string {
  return stepToTradingDay(toLocalDate(day), 1, calendar);
}

/** The last trading day strictly before `day`, as 'YYYYMMDD'. */
export function previousTradingDay(
  day: DayInput,
  calendar: CompiledCalendar = DEFAULT_COMPILED_CALENDAR,
): string {
  return stepToTradingDay(toLocalDate(day), -1, calendar);
}

/** The trading day ('YYYYMMDD') that `instant` belongs to, with night sessions counted towards the next one. */
export function tradeDay(instant: Date, calendar: CompiledCalendar = DEFAULT_COMPILED_CALENDAR): string {
  const local = zonedParts(instant, calendar.timeZone);
  const minutes = local.hour * 60 + local.minute;
  // Exchanges book a night session to the following trading day, so from the roll time on, today is done.
  const afterRoll = minutes >= calendar.roll.hour * 60 + calendar.roll.minute;
  if (!afterRoll && isTradingDate(local, calendar)) return formatYmd(local);
  return stepToTradingDay(local, 1, calendar);
}
