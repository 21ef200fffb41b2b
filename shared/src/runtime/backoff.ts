/** Exponential backoff with full jitter: a random delay in [0, min(max, base·2^attempt)]. */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}

/** Spreads a period by ±fraction so that many agents started together drift apart. */
export function jitter(ms: number, fraction: number, random: () => number = Math.random): number {
  return Math.max(0, Math.round(ms * (1 + (random() * 2 - 1) * fraction)));
}
