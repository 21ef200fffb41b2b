import { DEPENDENCY_SUPPRESSIBLE_TYPES, type MonitorRuleInput, type WarningAction } from './model.ts';

/**
 * Marks the raises that a down dependency explains (pure): caused by it, with its notifications held. The
 * warning itself is still opened and counted, so the dashboard shows every dependent that is affected; only
 * the people are spared one message per dependent for a single fault. A raise without a cause, once the
 * dependency is back and the trouble is not, releases the warning (see applyWarningActions).
 */
export function applyDependencyCause(
  actions: readonly WarningAction[],
  monitor: MonitorRuleInput,
): readonly WarningAction[] {
  const cause = monitor.dependencyCause;
  if (!cause) return actions;
  const through = cause.directId === cause.id ? '' : ` (through ${cause.directName})`;
  const note = `Caused by its dependency ${cause.name} on ${cause.hostName}${through}, which is down; no notification while it is.`;
  return actions.map((action) => {
    if (action.kind !== 'raise' || !DEPENDENCY_SUPPRESSIBLE_TYPES.has(action.type)) return action;
    return {
      ...action,
      suppressedBy: { id: cause.id, name: cause.name },
      // Appended notes (restarts, log tails) extend a message that already says why.
      message: action.append ? action.message : `${action.message} ${note}`,
      details: {
        ...action.details,
        caused_by: {
          id: cause.id,
          name: cause.name,
          host: cause.hostName,
          direct_id: cause.directId,
          direct_name: cause.directName,
        },
      },
    };
  });
}
