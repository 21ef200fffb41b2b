import type { ProcessEvent, RestartEventKind } from '@procwatch/shared';
import { formatInstant } from '../format.ts';
import type { PageContext } from './layout.tsx';

/** How each restart event reads; a new kind fails to compile here until it has words. */
export const RESTART_EVENT_LABELS: Record<RestartEventKind, string> = {
  RESTARTED: 'restarted',
  RESTART_FAILED: 'restart failed',
  RESTART_LIMIT_REACHED: 'restart limit reached',
  RESTART_DEFERRED: 'restart deferred: waiting for a dependency',
};

/** The restarts the host's agent made (or held back), newest first. */
export function RestartEventsTable(props: { ctx: PageContext; events: readonly ProcessEvent[] }) {
  if (props.events.length === 0) return <p class="muted">None recorded.</p>;
  return (
    <div class="wrap">
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>Event</th>
            <th>Action</th>
            <th class="num">Attempt</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {props.events.map((e) => (
            <tr data-event={e.kind}>
              <td>{formatInstant(e.at, props.ctx.timeZone)}</td>
              <td>{RESTART_EVENT_LABELS[e.kind]}</td>
              <td>{e.action ?? '–'}</td>
              <td class="num">{e.attempt ?? '–'}</td>
              <td>{e.message ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
