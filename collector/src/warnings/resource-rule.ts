/** Where a reading stands relative to a threshold with a hysteresis margin below it. */
export type Level = 'high' | 'band' | 'low' | 'unknown';

/** Counters of one resource rule: samples in a row above, and below the margin. */
export interface ResourceCounters {
  readonly high: number;
  readonly low: number;
}

/** What a resource rule decides for one sample. */
export type ResourceDecision = 'raise' | 'bump' | 'resolve' | 'none';

/**
 * Classifies a reading against a set of limits: high when any limit is exceeded, low when every known reading
 * is below its limit minus the margin, unknown when nothing was measured, otherwise in the band between.
 */
export function levelOf(
  readings: readonly { value: number | null; limit: number | null }[],
  margin: number,
): Level {
  const known = readings.filter(
    (r): r is { value: number; limit: number } => r.value !== null && r.limit !== null,
  );
  if (known.length === 0) return 'unknown';
  if (known.some((r) => r.value > r.limit)) return 'high';
  if (known.every((r) => r.value < r.limit * (1 - margin))) return 'low';
  return 'band';
}

/**
 * Steps one resource rule: raised after `n` high samples in a row, resolved after `n` low ones; a reading in the
 * band between threshold and margin breaks both runs, so values hovering at the threshold neither flap nor clear.
 */
export function stepResource(
  counters: ResourceCounters,
  level: Level,
  raised: boolean,
  n: number,
  muted: boolean,
): { counters: ResourceCounters; decision: ResourceDecision } {
  if (level === 'unknown') return { counters, decision: 'none' };
  const next: ResourceCounters =
    level === 'high'
      ? { high: counters.high + 1, low: 0 }
      : level === 'low'
        ? { high: 0, low: counters.low + 1 }
        : { high: 0, low: 0 };
  if (raised) {
    if (next.low >= n) return { counters: next, decision: 'resolve' };
    return { counters: next, decision: level === 'high' && !muted ? 'bump' : 'none' };
  }
  if (next.high >= n && !muted) return { counters: next, decision: 'raise' };
  return { counters: next, decision: 'none' };
}
