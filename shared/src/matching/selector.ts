import type { ProcessEntry } from './process-entry.ts';

/** The selecting fields of a monitor (seed names); a monitor spec from the API or the agent config fits. */
export interface MonitorSelector {
  readonly process_name?: string | null;
  readonly command_pattern?: string | null;
  readonly pid_file?: string | null;
}

/** A selector with its pattern compiled once, reusable for every process of a scan. */
export interface CompiledSelector {
  readonly processName: string | null;
  readonly pattern: RegExp | null;
  readonly pidFile: string | null;
}

/** Linux keeps at most 15 bytes of a process name in `comm`. */
const COMM_MAX_LENGTH = 15;

/** Thrown by {@link compileSelector} when `command_pattern` is not a RegExp. */
export class SelectorError extends Error {
  override name = 'SelectorError';
}

/**
 * Compiles a monitor's selector. The pattern is compiled as the schema validates it
 * (`new RegExp(pattern)`, no flags), so a pattern the API accepted behaves the same here.
 */
export function compileSelector(selector: MonitorSelector): CompiledSelector {
  let pattern: RegExp | null = null;
  if (selector.command_pattern) {
    try {
      pattern = new RegExp(selector.command_pattern);
    } catch (error) {
      throw new SelectorError(
        `command_pattern is not a valid regular expression: ${(error as Error).message}`,
      );
    }
  }
  return {
    processName: selector.process_name || null,
    pattern,
    pidFile: selector.pid_file || null,
  };
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * `process_name` equals the process's name (comm) or its executable's basename. A name longer than
 * Linux's 15-byte comm also matches a truncated comm when argv[0]'s basename is the full name.
 */
export function processNameMatches(name: string, entry: ProcessEntry): boolean {
  if (entry.name === name) return true;
  if (entry.exe && basename(entry.exe) === name) return true;
  if (entry.name.length === COMM_MAX_LENGTH && name.length > COMM_MAX_LENGTH && name.startsWith(entry.name)) {
    const argv0 = entry.cmdline.split(' ', 1)[0] ?? '';
    return basename(argv0) === name;
  }
  return false;
}

/** True if `entry` satisfies the name and pattern selectors (the PID file is checked by the matcher). */
export function entryMatches(selector: CompiledSelector, entry: ProcessEntry): boolean {
  if (selector.processName !== null && !processNameMatches(selector.processName, entry)) return false;
  if (selector.pattern !== null) {
    // A global or sticky RegExp would carry lastIndex between entries; ours has no flags, reset anyway.
    selector.pattern.lastIndex = 0;
    if (!selector.pattern.test(entry.cmdline)) return false;
  }
  return true;
}
