/** Longest accepted `command_pattern`: long enough for real patterns, short enough to bound regex cost. */
export const COMMAND_PATTERN_MAX_LENGTH = 512;
/** Longest accepted `process_name` (Linux comm is 15 bytes; an executable's basename may be longer). */
export const PROCESS_NAME_MAX_LENGTH = 255;
/** Longest accepted PID file path (PATH_MAX). */
export const PID_FILE_MAX_LENGTH = 4096;
/** Bounds of `check_interval`, seconds. */
export const CHECK_INTERVAL_MIN_S = 1;
/** Upper bound of `check_interval`: one day. */
export const CHECK_INTERVAL_MAX_S = 86_400;
/** Most samples accepted in one batch. */
export const SAMPLE_BATCH_MAX = 1000;
/** Most matches carried with one sample (the rest are only counted in `process_count`). */
export const SAMPLE_MATCHES_MAX = 20;
/** Longest command line kept in a sample's match list. */
export const COMMAND_LINE_MAX_LENGTH = 4096;
/** Longest error message kept in a sample. */
export const ERROR_MESSAGE_MAX_LENGTH = 2000;
/** Largest value of a PostgreSQL `integer` column: bounds ids, pids and counters on the wire. */
export const INT4_MAX = 2_147_483_647;
