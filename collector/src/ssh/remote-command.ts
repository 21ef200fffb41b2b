// The commands the SSH fallback runs on a host. Each is a constant string: no monitor field, host
// name or other data ever becomes part of one, so nothing a user types can reach a remote shell.
// There are four, the combinations of two switches (an extra /proc snapshot for CPU %, the
// executables' paths); matching happens here in the collector, over the parsed output, with the
// agent's matcher.
//
// What they print, in sections opened by marker lines (markers are longer than the 15 bytes a
// process can put in its `comm`, so a process cannot forge one through /proc/<pid>/stat; ps
// prints control characters in args as '?', and `ls -b` escapes them in paths):
//   clock ticks, MemTotal and boot time (one grep over /proc/meminfo and /proc/stat);
//   [sampled] /proc/uptime + every /proc/<pid>/stat, then a CPU_SAMPLE_INTERVAL_S pause;
//   /proc/uptime + every /proc/<pid>/stat;
//   [exe] the /proc/<pid>/exe targets (process_name may match the executable's basename);
//   `ps -e -ww -o pid=,uid=,rss=,args=` for resident memory and the full command lines.
// Few programs run per check (sh, getconf, grep, cat, ps; ls for process_name monitors): the
// command runs on hosts whose agent is down, every check interval, and should cost them little.
//
// CPU % is measured, like the agent's pidusage, over an interval and never as ps's lifetime
// average: Δ(utime+stime) of the same (pid, start time) between two /proc/<pid>/stat readings,
// over Δ/proc/uptime; 100 % is one core. The two readings are this host's previous SSH check and
// this one (the interval is the check interval, as on the agent) — or, for a host without a recent
// reading, two snapshots CPU_SAMPLE_INTERVAL_S apart within the command (the "sampled" variant;
// resolution 2 % at 100 ticks per second). Start times are exact (boot time + starttime ticks),
// the same reading the agent's /proc lister makes, so (pid, start time) identities agree between
// the two paths.
//
// `$$` is the remote shell: its session (the sshd processes above it and everything below them)
// is excluded from matching, so a pattern such as "ps" or "sshd" never matches the check itself.

/** Seconds between the two /proc snapshots of the sampled variant. */
export const CPU_SAMPLE_INTERVAL_S = 0.5;

/** Prefix of the section marker lines. */
export const MARKER_PREFIX = '@@procwatch:';

/** Largest output accepted from the command (a host with 20,000 long command lines fits). */
export const REMOTE_OUTPUT_MAX_BYTES = 32 * 1024 * 1024;

/** Bumped whenever the output format changes; the parser checks it. */
export const REMOTE_FORMAT_VERSION = 2;

/** Which of the fixed commands to run. */
export interface RemoteCommandVariant {
  /** Take a first /proc snapshot and pause, so CPU % needs no earlier reading. */
  readonly sampleCpu: boolean;
  /** List the executables' paths (only needed when a monitor matches by process_name). */
  readonly exe: boolean;
}

function build(variant: RemoteCommandVariant): string {
  return [
    'export LC_ALL=C',
    `echo '${MARKER_PREFIX}format@@ ${REMOTE_FORMAT_VERSION}'`,
    `echo "${MARKER_PREFIX}self@@ $$"`,
    `echo "${MARKER_PREFIX}clk@@ $(getconf CLK_TCK 2>/dev/null)"`,
    `echo "${MARKER_PREFIX}sys@@"; grep -h -e '^MemTotal:' -e '^btime ' /proc/meminfo /proc/stat`,
    ...(variant.sampleCpu
      ? [
          `echo "${MARKER_PREFIX}stat1@@"; cat /proc/uptime /proc/[0-9]*/stat 2>/dev/null`,
          `sleep ${CPU_SAMPLE_INTERVAL_S}`,
        ]
      : []),
    `echo "${MARKER_PREFIX}stat2@@"; cat /proc/uptime /proc/[0-9]*/stat 2>/dev/null`,
    ...(variant.exe ? [`echo "${MARKER_PREFIX}exe@@"; ls -lb /proc/[0-9]*/exe 2>/dev/null`] : []),
    `echo "${MARKER_PREFIX}ps@@"; ps -e -ww -o pid=,uid=,rss=,args=`,
    `echo "${MARKER_PREFIX}end@@"`,
  ].join('; ');
}

const COMMANDS: ReadonlyMap<string, string> = new Map(
  [false, true].flatMap((sampleCpu) =>
    [false, true].map((exe) => [`${sampleCpu}/${exe}`, build({ sampleCpu, exe })] as const),
  ),
);

/** One of the four fixed commands (built once, from constants only). */
export function remoteSnapshotCommand(variant: RemoteCommandVariant): string {
  return COMMANDS.get(`${variant.sampleCpu}/${variant.exe}`)!;
}

/** The complete command (CPU sampled within it, executables listed). */
export const REMOTE_SNAPSHOT_COMMAND = remoteSnapshotCommand({ sampleCpu: true, exe: true });
