export { type MatchOptions, type MonitorMatchResult, matchMonitor } from './match-monitor.ts';
export {
  PID_FILE_READ_MAX_BYTES,
  PID_MAX,
  type PidFileContent,
  type PidFileRead,
  parsePidFileContent,
} from './pid-file.ts';
export {
  compareByAge,
  isSameProcess,
  MATCH_COMMAND_LINE_MAX_LENGTH,
  PROCESS_STATE_CODES,
  type ProcessEntry,
  ProcessEntrySchema,
  type ProcessIdentity,
  type ProcessStateCode,
  processTreePids,
  stoppedStateReason,
} from './process-entry.ts';
export {
  type CompiledSelector,
  compileSelector,
  entryMatches,
  type MonitorSelector,
  processNameMatches,
  SelectorError,
} from './selector.ts';
