import type { MonitorRuleInput, RuleSample } from './model.ts';

// Titles name the monitor and host so that a phone notification makes sense on its own.

function where(monitor: MonitorRuleInput): string {
  return `${monitor.name} on ${monitor.hostName}`;
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function statusText(sample: RuleSample): string {
  return sample.status === 'STOPPED' ? 'stopped' : 'not found';
}

/** Texts of PROCESS_NOT_RUNNING. */
export function notRunningText(monitor: MonitorRuleInput, sample: RuleSample, catchUp: boolean) {
  const title = `${where(monitor)}: not running`;
  const message = catchUp
    ? `${monitor.name} is expected to run from now on but is ${statusText(sample)} ` +
      `(last checked ${sample.checkedAt.toISOString()}).`
    : `${monitor.name} is ${statusText(sample)} while it is expected to run.`;
  return { title, message };
}

/** Texts of PROCESS_CRASHED when a running process disappeared or stopped. */
export function crashedText(monitor: MonitorRuleInput, sample: RuleSample, previousPid: number | null) {
  const pid = previousPid === null ? '' : ` (pid ${previousPid})`;
  return {
    title: `${where(monitor)}: crashed`,
    message: `${monitor.name} was running${pid} and is now ${statusText(sample)}.`,
  };
}

/** Texts of PROCESS_CRASHED when the identity changed between two RUNNING samples. */
export function restartedText(
  monitor: MonitorRuleInput,
  previous: { pid: number | null; startTime: Date | null },
  sample: RuleSample,
) {
  const old = `pid ${previous.pid ?? '?'}${previous.startTime ? ` started ${previous.startTime.toISOString()}` : ''}`;
  const now = `pid ${sample.pid ?? '?'}${sample.startTime ? ` started ${sample.startTime.toISOString()}` : ''}`;
  return {
    title: `${where(monitor)}: restarted between checks`,
    message: `${monitor.name} restarted between two checks: was ${old}, now ${now}.`,
  };
}

/** Texts of PROCESS_HIGH_CPU. */
export function highCpuText(monitor: MonitorRuleInput, cpu: number, threshold: number, samples: number) {
  return {
    title: `${where(monitor)}: high CPU`,
    message: `${monitor.name} used ${fmt(cpu)} % CPU, above ${fmt(threshold)} % for ${samples} samples in a row.`,
  };
}

/** Texts of PROCESS_HIGH_MEMORY. */
export function highMemoryText(
  monitor: MonitorRuleInput,
  sample: RuleSample,
  limits: string,
  samples: number,
) {
  const used = [
    sample.memoryUsedMb === null ? undefined : `${fmt(sample.memoryUsedMb)} MB`,
    sample.memoryPercent === null ? undefined : `${fmt(sample.memoryPercent)} %`,
  ].filter((s) => s !== undefined);
  return {
    title: `${where(monitor)}: high memory`,
    message: `${monitor.name} uses ${used.join(' / ')}, above ${limits} for ${samples} samples in a row.`,
  };
}

/** Texts of PROCESS_CHECK_FAILED. */
export function checkFailedText(monitor: MonitorRuleInput, sample: RuleSample) {
  return {
    title: `${where(monitor)}: check failed`,
    message: `The check of ${monitor.name} failed: ${sample.errorMessage ?? 'no error message'}.`,
  };
}
