/**
 * The next time at or after `afterMs` on the grid `phaseMs + k·intervalMs`. Monitors with the same
 * interval share a grid, so they come due together and one process scan serves them all.
 */
export function nextGridTime(afterMs: number, intervalMs: number, phaseMs: number): number {
  const k = Math.floor((afterMs - phaseMs) / intervalMs) + 1;
  return phaseMs + k * intervalMs;
}
