import type { AgentMonitorSpec, ProbeResult, ProcessStatusType } from '@procwatch/shared';
import { runProbe } from './run-probe.ts';

/**
 * Runs the health probes of the monitors found RUNNING, in parallel, and counts failures in a row
 * per monitor; a monitor not running (or without a probe) starts counting afresh.
 */
export class ProbeTracker {
  readonly #failures = new Map<number, number>();

  async run(
    checks: readonly { readonly monitor: AgentMonitorSpec; readonly status: ProcessStatusType }[],
    signal?: AbortSignal,
  ): Promise<Map<number, ProbeResult>> {
    const out = new Map<number, ProbeResult>();
    await Promise.all(
      checks.map(async ({ monitor, status }) => {
        const spec = monitor.probe;
        if (!spec || status !== 'RUNNING') {
          this.#failures.delete(monitor.id);
          return;
        }
        const outcome = await runProbe(spec, { signal });
        const failures = outcome.ok ? 0 : (this.#failures.get(monitor.id) ?? 0) + 1;
        this.#failures.set(monitor.id, failures);
        out.set(monitor.id, {
          ok: outcome.ok,
          consecutive_failures: failures,
          threshold: spec.failures,
          latency_ms: outcome.latencyMs,
          message: outcome.message === null ? null : outcome.message.slice(0, 500),
        });
      }),
    );
    return out;
  }
}
