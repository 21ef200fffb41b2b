import type { ProcessIdentity } from '@procwatch/shared';

interface Reading {
  cpuTimeMs: number;
  atMs: number;
  percent: number | null;
}

/** Readings closer together than this give noise, not a rate; the older baseline is kept. */
export const CPU_MIN_INTERVAL_MS = 200;

function keyOf(identity: ProcessIdentity): string {
  return `${identity.pid}@${identity.startTime.getTime()}`;
}

/**
 * CPU % of a process over the interval between two readings of its consumed CPU time:
 * Δ(user+system) / Δwall, 100 % = one core (never ps's lifetime average). Keyed by identity, so a
 * restarted process with a recycled PID starts afresh. Pure: times are passed in.
 */
export class CpuMeter {
  readonly #readings = new Map<string, Reading>();

  /** True if a baseline exists for this process. */
  has(identity: ProcessIdentity): boolean {
    return this.#readings.has(keyOf(identity));
  }

  /** Records a reading and returns CPU % since the previous one, or null when there is no usable baseline. */
  observe(identity: ProcessIdentity, cpuTimeMs: number, atMs: number): number | null {
    const key = keyOf(identity);
    const previous = this.#readings.get(key);
    if (previous === undefined || cpuTimeMs < previous.cpuTimeMs || atMs < previous.atMs) {
      this.#readings.set(key, { cpuTimeMs, atMs, percent: null });
      return null;
    }
    const elapsedMs = atMs - previous.atMs;
    if (elapsedMs < CPU_MIN_INTERVAL_MS) return previous.percent;
    const percent = Math.max(0, ((cpuTimeMs - previous.cpuTimeMs) / elapsedMs) * 100);
    this.#readings.set(key, { cpuTimeMs, atMs, percent });
    return percent;
  }

  /** Forgets processes last read before `beforeMs` (dead or no longer matched). */
  prune(beforeMs: number): void {
    for (const [key, reading] of this.#readings) if (reading.atMs < beforeMs) this.#readings.delete(key);
  }

  get size(): number {
    return this.#readings.size;
  }
}
