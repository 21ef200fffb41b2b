import type { MonitorRuleInput, RuleSample } from './model.ts';

/** What a sample's health probe result does to PROCESS_UNHEALTHY (pure). */
export type ProbeDecision =
  | { readonly kind: 'raise'; readonly title: string; readonly message: string }
  | { readonly kind: 'resolve'; readonly reason: string }
  | null;

/**
 * N failures in a row (N = the probe's `failures`, counted by the agent) while RUNNING raise
 * PROCESS_UNHEALTHY; a passing probe resolves it, and so does the process no longer running (that
 * is NOT_RUNNING/CRASHED's business). A RUNNING sample without a probe result changes nothing.
 */
export function probeDecision(
  monitor: MonitorRuleInput,
  sample: RuleSample,
  unhealthyOpen: boolean,
): ProbeDecision {
  const probe = sample.probe;
  if (sample.status !== 'RUNNING') {
    return sample.status === 'ERROR' || !unhealthyOpen
      ? null
      : { kind: 'resolve', reason: 'the process is no longer running' };
  }
  if (!probe) return null;
  if (probe.ok) return unhealthyOpen ? { kind: 'resolve', reason: 'the health probe passes again' } : null;
  if (probe.consecutiveFailures < probe.threshold) return null;
  return {
    kind: 'raise',
    title: `${monitor.name} on ${monitor.hostName}: unhealthy`,
    message: `${monitor.name} runs but its health probe failed ${probe.consecutiveFailures} times in a row: ${probe.message ?? 'no reason given'}.`,
  };
}
