import type { Warning } from '../admin-api.ts';
import { warningCause } from '../warning-cause.ts';

/**
 * Says which down dependency explains a warning, linking to it: a "held" badge while its notifications
 * are held, a quieter note when the dependency explained it at opening but is back (the warning was
 * released and notified). Nothing for a warning of its own.
 */
export function WarningCauseNote(props: { base: string; warning: Warning }) {
  const cause = warningCause(props.warning);
  if (!cause) return null;
  const link = <a href={`${props.base}/monitors/${cause.id}`}>{cause.name}</a>;
  const where = `${cause.host ? ` on ${cause.host}` : ''}${cause.through ? ` (through ${cause.through})` : ''}`;
  return cause.held ? (
    <span class="badge held" data-held-by={String(cause.id)}>
      held — caused by {link}
      {where}
    </span>
  ) : (
    <span class="muted" data-caused-by={String(cause.id)}>
      opened while its dependency {link}
      {where} was down
    </span>
  );
}
