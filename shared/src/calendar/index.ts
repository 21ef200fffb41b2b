export {
  type CompiledCalendar,
  compileCalendar,
  DEFAULT_CALENDAR,
  DEFAULT_COMPILED_CALENDAR,
  parseHhMm,
  parseIsoDate,
  parseTradingCalendar,
  type TradingCalendar,
  type TradingCalendarInput,
  TradingCalendarSchema,
} from './calendar-schema.ts';
export {
  isWithinSessionWindows,
  nextWindowOpening,
  parseSessionWindow,
  type SessionWindow,
  SessionWindowSchema,
} from './session-window.ts';
export {
  type DayInput,
  isTradingDay,
  nextTradingDay,
  parseYmd,
  previousTradingDay,
  tradeDay,
} from './trade-day.ts';
export {
  addDays,
  formatYmd,
  isRealDate,
  isValidTimeZone,
  type LocalDate,
  type LocalTime,
  weekdayOf,
  type ZonedParts,
  zonedParts,
  zonedTimeToInstant,
} from './zoned-time.ts';
