/** CPU time of every process at one moment: what two readings are compared by. */
export interface CpuReading {
  /** The host's /proc/uptime, seconds. */
  readonly uptimeS: number;
  readonly clockTicks: number;
  /** Boot time, ms since the epoch (a reboot makes older readings meaningless). */
  readonly bootTimeMs: number;
  /** pid → start ticks (identity) and utime+stime ticks. */
  readonly processes: ReadonlyMap<number, { readonly startTicks: number; readonly cpuTicks: number }>;
}

/**
 * CPU % per pid between two readings of one host: Δ(utime+stime) of the same (pid, start time)
 * over Δuptime; 100 = one core. A process new since `before` has no figure (as pidusage's first call).
 */
export function cpuPercentBetween(before: CpuReading, after: CpuReading): Map<number, number> {
  const out = new Map<number, number>();
  const intervalS = after.uptimeS - before.uptimeS;
  if (intervalS <= 0 || before.bootTimeMs !== after.bootTimeMs || before.clockTicks !== after.clockTicks)
    return out;
  for (const [pid, now] of after.processes) {
    const then = before.processes.get(pid);
    if (!then || then.startTicks !== now.startTicks) continue;
    const busyS = Math.max(0, now.cpuTicks - then.cpuTicks) / after.clockTicks;
    out.set(pid, Math.round((busyS / intervalS) * 1000) / 10);
  }
  return out;
}

/**
 * The latest reading per host, kept in memory so that the next SSH check of the host measures
 * CPU over the interval since this one instead of pausing within the command. Readings older than
 * `maxAgeMs` are not used (an average over a long gap says little); the map is bounded.
 */
export class CpuHistory {
  readonly #readings = new Map<number, { reading: CpuReading; at: number }>();

  constructor(
    private readonly maxAgeMs = 15 * 60_000,
    private readonly maxHosts = 10_000,
  ) {}

  /** The host's last reading if recent enough, else undefined. */
  get(hostId: number, now = Date.now()): CpuReading | undefined {
    const entry = this.#readings.get(hostId);
    if (!entry) return undefined;
    if (now - entry.at > this.maxAgeMs) {
      this.#readings.delete(hostId);
      return undefined;
    }
    return entry.reading;
  }

  set(hostId: number, reading: CpuReading, now = Date.now()): void {
    this.#readings.delete(hostId);
    this.#readings.set(hostId, { reading, at: now });
    // Map iteration order is insertion order: the first key is the least recently set.
    if (this.#readings.size > this.maxHosts) {
      const oldest = this.#readings.keys().next().value;
      if (oldest !== undefined) this.#readings.delete(oldest);
    }
  }
}
