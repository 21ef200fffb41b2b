import type { OpsWarningType } from '@procwatch/shared';
import type { MonitorRuleInput, RuleRestartEvent } from './model.ts';

/** What a restart event adds to the incident: which warning, and the text appended to it. */
export interface RestartNote {
  readonly type: OpsWarningType;
  readonly title: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
}

function actionText(e: RuleRestartEvent): string {
  return `action "${e.action ?? '?'}"${e.attempt ? `, attempt ${e.attempt}` : ''}`;
}

/**
 * The rule for the agent's restart events (pure). The note goes on the incident that is open (CRASHED,
 * else NOT_RUNNING); with none open a restart still opens PROCESS_CRASHED, so that a process the
 * agent brought back between two checks is never silent, and a limit or failure opens NOT_RUNNING.
 */
export function restartNote(
  monitor: MonitorRuleInput,
  event: RuleRestartEvent,
  open: ReadonlySet<OpsWarningType>,
): RestartNote | null {
  const where = `${monitor.name} on ${monitor.hostName}`;
  const current: OpsWarningType | null = open.has('PROCESS_CRASHED')
    ? 'PROCESS_CRASHED'
    : open.has('PROCESS_NOT_RUNNING')
      ? 'PROCESS_NOT_RUNNING'
      : null;
  const details = { restart: { kind: event.kind, action: event.action, attempt: event.attempt } };
  switch (event.kind) {
    case 'RESTARTED':
      return {
        type: current ?? 'PROCESS_CRASHED',
        title: `${where}: crashed, restarted by procwatch`,
        message: `Restarted by procwatch (${actionText(event)}).`,
        details,
      };
    case 'RESTART_FAILED':
      return {
        type: current ?? 'PROCESS_NOT_RUNNING',
        title: `${where}: restart by procwatch failed`,
        message: `Restart by procwatch failed (${actionText(event)}): ${event.message ?? 'no reason given'}.`,
        details,
      };
    case 'RESTART_LIMIT_REACHED':
      return {
        type: current ?? 'PROCESS_NOT_RUNNING',
        title: `${where}: restart limit reached`,
        message: event.message?.startsWith('restart limit reached')
          ? `${event.message}.`
          : `restart limit reached (${actionText(event)}); procwatch no longer restarts it.`,
        details,
      };
    case 'RESTART_DEFERRED':
      return {
        type: current ?? 'PROCESS_NOT_RUNNING',
        title: `${where}: restart waits for a dependency`,
        message: `Not restarted yet: ${event.message ?? 'waiting for a dependency to be up'}.`,
        details,
      };
    default:
      return null;
  }
}
