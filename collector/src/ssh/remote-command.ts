// The one command the SSH fallback runs on a host. It is a constant: no monitor field, host
// name or other data ever becomes part of it, so nothing a user types can reach a remote shell.
// Matching happens here in the collector, over the parsed output, with the agent's matcher.
//
// What it prints, in sections opened by marker lines (markers are longer than the 15 bytes a
// process can put in its `comm`, so a process cannot forge one through /proc/<pid>/stat; ps
// prints control characters in args as '?', and `ls -b` escapes them in paths):
//   clock ticks and page size, MemTotal, boot time;
//   /proc/uptime + every /proc/<pid>/stat, twice, CPU_SAMPLE_INTERVAL_S apart;
//   /proc/<pid>/exe targets (process_name may match the executable's basename, as on the agent);
//   `ps -e -ww -o pid=,uid=,args=` for the full command lines.
//
// CPU % is measured, like the agent's pidusage, over an interval and not as ps's lifetime
// average: Δ(utime+stime) of the same (pid, start time) between the two /proc/<pid>/stat reads,
// over Δ/proc/uptime; 100 % is one core. With 100 clock ticks per second and a 0.5 s interval
// the resolution is 2 %. Start times are exact (boot time + starttime ticks), the same reading
// the agent's /proc lister makes, so (pid, start time) identities agree between the two paths.
//
// `$$` is the remote shell: its session (the sshd processes above it and everything below them)
// is excluded from matching, so a pattern such as "ps" or "sshd" never matches the check itself.

/** Seconds between the two /proc snapshots the CPU % is computed from. */
export const CPU_SAMPLE_INTERVAL_S = 0.5;

/** Prefix of the section marker lines. */
export const MARKER_PREFIX = '@@procwatch:';

/** Largest output accepted from the command (a host with 20,000 long command lines fits). */
export const REMOTE_OUTPUT_MAX_BYTES = 32 * 1024 * 1024;

/** Bumped whenever the output format changes; the parser checks it. */
export const REMOTE_FORMAT_VERSION = 1;

/** The fixed remote command (POSIX sh, Linux /proc, procps or busybox ps). */
export const REMOTE_SNAPSHOT_COMMAND = [
  'export LC_ALL=C',
  `echo '${MARKER_PREFIX}format@@ ${REMOTE_FORMAT_VERSION}'`,
  `echo "${MARKER_PREFIX}self@@ $$"`,
  `echo "${MARKER_PREFIX}clk@@ $(getconf CLK_TCK 2>/dev/null)"`,
  `echo "${MARKER_PREFIX}page@@ $(getconf PAGESIZE 2>/dev/null)"`,
  `echo "${MARKER_PREFIX}meminfo@@"; grep '^MemTotal:' /proc/meminfo`,
  `echo "${MARKER_PREFIX}btime@@"; grep '^btime ' /proc/stat`,
  `echo "${MARKER_PREFIX}stat1@@"; cat /proc/uptime /proc/[0-9]*/stat 2>/dev/null`,
  `sleep ${CPU_SAMPLE_INTERVAL_S}`,
  `echo "${MARKER_PREFIX}stat2@@"; cat /proc/uptime /proc/[0-9]*/stat 2>/dev/null`,
  `echo "${MARKER_PREFIX}exe@@"; ls -lb /proc/[0-9]*/exe 2>/dev/null`,
  `echo "${MARKER_PREFIX}ps@@"; ps -e -ww -o pid=,uid=,args=`,
  `echo "${MARKER_PREFIX}end@@"`,
].join('; ');
