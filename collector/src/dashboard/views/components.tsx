import type { Child } from 'hono/jsx';

/** A status badge: RUNNING, NOT_FOUND, STOPPED, ERROR, or NONE for a monitor that never reported. */
export function StatusBadge(props: { status: string | null; stale?: boolean }) {
  const status = props.status ?? 'NONE';
  return (
    <span>
      <span class={`badge ${status}`} data-status={status}>
        {status === 'NONE' ? 'NO DATA' : status.replace('_', ' ')}
      </span>
      {props.stale && props.status ? (
        <span class="stale-note" title="the latest status is older than expected">
          stale
        </span>
      ) : null}
    </span>
  );
}

/** Agent online/offline badge. */
export function AgentBadge(props: { online: boolean }) {
  return (
    <span class={`badge ${props.online ? 'online' : 'offline'}`}>{props.online ? 'online' : 'offline'}</span>
  );
}

/** A message above the page content. */
export function Flash(props: { kind: 'ok' | 'error'; children?: Child }) {
  return (
    <div class={`flash ${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

/** A form field with its label, an optional hint and the validation error right beside it. */
export function Field(props: {
  name: string;
  label: string;
  error?: string | undefined;
  hint?: string;
  children?: Child;
}) {
  const errorId = `${props.name}-error`;
  return (
    <div class={props.error ? 'field invalid' : 'field'} data-field={props.name}>
      <label for={props.name}>{props.label}</label>
      {props.children}
      {props.hint ? <span class="hint">{props.hint}</span> : null}
      {props.error ? (
        <span class="error" id={errorId} role="alert">
          {props.error}
        </span>
      ) : null}
    </div>
  );
}
