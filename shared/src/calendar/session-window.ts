import { z } from 'zod';
import { type CompiledCalendar, DEFAULT_COMPILED_CALENDAR, parseHhMm } from './calendar-schema.ts';
import { isTradingDay } from './trade-day.ts';
import {
  addDays,
  formatYmd,
  type LocalDate,
  type LocalTime,
  zonedParts,
  zonedTimeToInstant,
} from './zoned-time.ts';

const WINDOW = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/;

// Far enough to span the longest exchange closure (Spring Festival plus its weekends) with room to spare.
const MAX_LOOKAHEAD_DAYS = 14;

/** A daily session window with its ends parsed; it crosses midnight when `end` is not after `start`. */
export interface SessionWindow {
  readonly text: string;
  readonly start: LocalTime;
  readonly end: LocalTime;
  readonly crossesMidnight: boolean;
}

function minutesOf(time: LocalTime): number {
  return time.hour * 60 + time.minute;
}

/** Parses 'HH:MM-HH:MM'; returns an error message instead when the text is not a usable window. */
function tryParseSessionWindow(text: string): SessionWindow | string {
  const match = WINDOW.exec(text);
  const start = match?.[1] === undefined ? undefined : parseHhMm(match[1]);
  const end = match?.[2] === undefined ? undefined : parseHhMm(match[2]);
  if (start === undefined || end === undefined) {
    return `"${text}" is not a session window HH:MM-HH:MM with times between 00:00 and 23:59`;
  }
  // Equal ends would be ambiguous between an empty window and a 24-hour one.
  if (minutesOf(start) === minutesOf(end)) return `session window "${text}" starts and ends at the same time`;
  return { text, start, end, crossesMidnight: minutesOf(end) < minutesOf(start) };
}

/** Schema of one daily session window such as '08:45-15:30' or '20:45-02:35' (ends on the next day). */
export const SessionWindowSchema = z.string().superRefine((text, ctx) => {
  const parsed = tryParseSessionWindow(text);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

/** Parses one 'HH:MM-HH:MM' session window; throws a RangeError naming the window if it is invalid. */
export function parseSessionWindow(text: string): SessionWindow {
  const parsed = tryParseSessionWindow(text);
  if (typeof parsed === 'string') throw new RangeError(parsed);
  return parsed;
}

/**
 * Mainland futures exchanges hold no night session on the evening before a holiday (their holiday notices say so
 * each year), also when a weekend lies between: no session on Friday night before a Monday holiday.
 * A night session is a window opening at or after the calendar's roll time, or one crossing midnight.
 */
function isCancelledNightSession(
  date: LocalDate,
  window: SessionWindow,
  calendar: CompiledCalendar,
): boolean {
  const night = window.crossesMidnight || minutesOf(window.start) >= minutesOf(calendar.roll);
  if (!night) return false;
  for (let offset = 1; offset <= MAX_LOOKAHEAD_DAYS; offset++) {
    const day = addDays(date, offset);
    if (isTradingDay(day, calendar)) return false;
    if (calendar.holidays.has(formatYmd(day))) return true;
  }
  return false;
}

interface Interval {
  readonly opens: number;
  readonly closes: number;
}

/** The instants a window opens and closes when it starts on local date `date`. */
function intervalOn(date: LocalDate, window: SessionWindow, timeZone: string): Interval {
  const closingDate = window.crossesMidnight ? addDays(date, 1) : date;
  return {
    opens: zonedTimeToInstant(date, window.start, timeZone).getTime(),
    closes: zonedTimeToInstant(closingDate, window.end, timeZone).getTime(),
  };
}

/**
 * True if a process bound to these windows should be running at `instant`: some window opened on a trading
 * day's local date and has not yet closed. An empty list means no restriction, so always true. Night sessions
 * on the eve of a holiday do not open (see isCancelledNightSession).
 */
export function isWithinSessionWindows(
  instant: Date,
  windows: readonly string[],
  calendar: CompiledCalendar = DEFAULT_COMPILED_CALENDAR,
): boolean {
  if (windows.length === 0) return true;
  const parsed = windows.map(parseSessionWindow);
  const now = instant.getTime();
  const today = zonedParts(instant, calendar.timeZone);
  // A window closes on the local date it opened or the next, so only today's and yesterday's can be open now;
  // it belongs to the day it opened on, which is why a Friday night session still counts on Saturday morning.
  for (const date of [addDays(today, -1), today]) {
    if (!isTradingDay(date, calendar)) continue;
    for (const window of parsed) {
      if (isCancelledNightSession(date, window, calendar)) continue;
      const { opens, closes } = intervalOn(date, window, calendar.timeZone);
      if (opens <= now && now < closes) return true;
    }
  }
  return false;
}

/**
 * The next instant strictly after `instant` at which one of the windows opens on a trading day, looking up to
 * 14 days ahead; null if none opens by then or if `windows` is empty (then nothing ever opens or closes).
 */
export function nextWindowOpening(
  instant: Date,
  windows: readonly string[],
  calendar: CompiledCalendar = DEFAULT_COMPILED_CALENDAR,
): Date | null {
  if (windows.length === 0) return null;
  const parsed = windows.map(parseSessionWindow);
  // Strictly after, so a scheduler woken exactly at an opening moves on instead of being handed it again.
  const now = instant.getTime();
  const today = zonedParts(instant, calendar.timeZone);
  for (let offset = 0; offset <= MAX_LOOKAHEAD_DAYS; offset++) {
    const date = addDays(today, offset);
    if (!isTradingDay(date, calendar)) continue;
    const openings = parsed
      .filter((window) => !isCancelledNightSession(date, window, calendar))
      .map((window) => intervalOn(date, window, calendar.timeZone).opens)
      .filter((opens) => opens > now);
    // Every opening on a later local date comes after every opening on this one, so the first hit is the answer.
    if (openings.length > 0) return new Date(Math.min(...openings));
  }
  return null;
}
