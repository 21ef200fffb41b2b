import { z } from 'zod';
import { isRealDate, isValidTimeZone, type LocalDate, type LocalTime } from './zoned-time.ts';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** The date a 'YYYY-MM-DD' string names, or undefined if it is malformed or names no real date. */
export function parseIsoDate(text: string): LocalDate | undefined {
  const match = ISO_DATE.exec(text);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return isRealDate(year, month, day) ? { year, month, day } : undefined;
}

/** The time of day an 'HH:MM' string (00:00-23:59) names, or undefined if it is malformed. */
export function parseHhMm(text: string): LocalTime | undefined {
  const match = HH_MM.exec(text);
  if (match === null) return undefined;
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

// One superRefine rather than regex + refine, so a malformed date reports one issue, not two.
const CalendarDateSchema = z.string().superRefine((text, ctx) => {
  if (!ISO_DATE.test(text)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a YYYY-MM-DD date` });
  } else if (parseIsoDate(text) === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a real calendar date` });
  }
});

const TimeZoneSchema = z.string().superRefine((text, ctx) => {
  if (!isValidTimeZone(text)) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is not an IANA time zone known here (e.g. Asia/Shanghai)`,
    });
  }
});

const RollTimeSchema = z.string().superRefine((text, ctx) => {
  if (parseHhMm(text) === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not an HH:MM time between 00:00 and 23:59` });
  }
});

/** Schema of a trading-calendar JSON file: the exchange's zone, night-session roll time and closed days. */
export const TradingCalendarSchema = z
  // Strict: a misspelt key such as "extraTradingDay" would otherwise be dropped and silently change trade days.
  .strictObject({
    timeZone: TimeZoneSchema.default('Asia/Shanghai'),
    rollTime: RollTimeSchema.default('20:00'),
    holidays: z.array(CalendarDateSchema),
    // Empty by default: Chinese exchanges stay shut on the weekend make-up workdays of the holiday notice.
    extraTradingDays: z.array(CalendarDateSchema).default([]),
    source: z.string().optional(),
    name: z.string().optional(),
  })
  .superRefine((cal, ctx) => {
    // A day both closed and open is a typo in one list or the other; guessing which would hide it.
    const holidays = new Set(cal.holidays);
    cal.extraTradingDays.forEach((day, index) => {
      if (holidays.has(day)) {
        ctx.addIssue({
          code: 'custom',
          path: ['extraTradingDays', index],
          message: `"${day}" is also listed in holidays`,
        });
      }
    });
  });

/** A validated trading calendar, as read from a calendar file. */
export type TradingCalendar = z.infer<typeof TradingCalendarSchema>;

/** What a calendar file may contain before defaults are applied. */
export type TradingCalendarInput = z.input<typeof TradingCalendarSchema>;

/** A calendar ready for lookups: day sets keyed 'YYYYMMDD', roll time parsed. */
export interface CompiledCalendar {
  readonly timeZone: string;
  readonly rollTime: string;
  readonly roll: LocalTime;
  readonly holidays: ReadonlySet<string>;
  readonly extraTradingDays: ReadonlySet<string>;
  readonly name?: string;
  readonly source?: string;
}

/** Mainland China exchange hours with no holidays: weekdays trade, night sessions roll at 20:00. */
export const DEFAULT_CALENDAR: TradingCalendar = Object.freeze({
  timeZone: 'Asia/Shanghai',
  rollTime: '20:00',
  // Frozen down to the arrays because every caller shares this one object; the casts only drop `readonly`.
  holidays: Object.freeze([]) as unknown as string[],
  extraTradingDays: Object.freeze([]) as unknown as string[],
  name: 'default (weekdays, no holidays)',
});

function describePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(calendar)';
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** Validates a parsed calendar file; throws an Error whose message names each bad field. */
export function parseTradingCalendar(input: unknown): TradingCalendar {
  const result = TradingCalendarSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${describePath(issue.path)}: ${issue.message}`);
  throw new Error(`invalid trading calendar: ${problems.join('; ')}`, { cause: result.error });
}

function toYmdKey(isoDate: string): string {
  return isoDate.replaceAll('-', '');
}

/** Validates `calendar` and freezes it into a form with O(1) holiday lookups. */
export function compileCalendar(calendar: TradingCalendarInput): CompiledCalendar {
  const valid = parseTradingCalendar(calendar);
  // parseTradingCalendar has accepted rollTime, so the parse cannot fail here.
  const roll = parseHhMm(valid.rollTime)!;
  return Object.freeze({
    timeZone: valid.timeZone,
    rollTime: valid.rollTime,
    roll: Object.freeze(roll),
    holidays: new Set(valid.holidays.map(toYmdKey)),
    extraTradingDays: new Set(valid.extraTradingDays.map(toYmdKey)),
    ...(valid.name === undefined ? {} : { name: valid.name }),
    ...(valid.source === undefined ? {} : { source: valid.source }),
  });
}

/** DEFAULT_CALENDAR, compiled. */
export const DEFAULT_COMPILED_CALENDAR: CompiledCalendar = compileCalendar(DEFAULT_CALENDAR);
