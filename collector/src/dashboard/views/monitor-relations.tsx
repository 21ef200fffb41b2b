import type { StatusItem } from '@procwatch/shared';
import { StatusBadge } from './components.tsx';

/** A monitor related to the one shown, with its latest status (undefined: the status list lacks it). */
export interface RelatedMonitor {
  readonly id: number;
  readonly status: StatusItem | undefined;
}

/** Monitors this one depends on, or that depend on it: each a link, its host and its status now. */
export function RelatedMonitors(props: {
  base: string;
  items: readonly RelatedMonitor[];
  empty: string;
  relation: 'depends-on' | 'needed-by';
}) {
  if (props.items.length === 0) return <span class="muted">{props.empty}</span>;
  return (
    <ul class="relations" data-relation={props.relation}>
      {props.items.map(({ id, status: s }) => (
        <li data-monitor-id={String(id)}>
          <a href={`${props.base}/monitors/${id}`}>{s?.name ?? `monitor ${id}`}</a>{' '}
          {s ? <span class="muted">on {s.host_name}</span> : null}{' '}
          <StatusBadge status={s?.status ?? null} stale={s?.stale ?? false} />
          {s && !s.active ? <span class="muted"> disabled</span> : null}
        </li>
      ))}
    </ul>
  );
}
