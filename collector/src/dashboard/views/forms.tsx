import {
  DEPENDS_ON_MAX,
  type FundAccount,
  HOST_KEY_POLICIES,
  type Host,
  type Monitor,
  PROCESS_TYPES,
} from '@procwatch/shared';
import type { FormErrors, FormValues } from '../forms.ts';
import { Field, Flash } from './components.tsx';
import { Csrf, Layout, type PageContext } from './layout.tsx';

function Text(props: {
  name: string;
  list?: string;
  values: FormValues;
  errors: FormErrors;
  type?: string;
  placeholder?: string;
  required?: boolean;
}) {
  return (
    <input
      id={props.name}
      name={props.name}
      type={props.type ?? 'text'}
      list={props.list}
      value={props.values[props.name] ?? ''}
      placeholder={props.placeholder}
      required={props.required}
      aria-invalid={props.errors[props.name] ? 'true' : undefined}
      aria-describedby={props.errors[props.name] ? `${props.name}-error` : undefined}
    />
  );
}

function Active(props: { values: FormValues; label: string }) {
  return (
    <div class="field">
      <label>
        <input type="checkbox" name="active" checked={props.values.active === 'on'} /> {props.label}
      </label>
    </div>
  );
}

const PROBE_KINDS = [
  ['none', 'none'],
  ['tcp', 'TCP connect'],
  ['http', 'HTTP GET'],
] as const;

/** The health probe: a kind and what it needs, each part with its own error. */
function ProbeFields(props: { values: FormValues; errors: FormErrors }) {
  const { values: v, errors: e } = props;
  return (
    <fieldset class="group-fields">
      <legend>Health probe</legend>
      <span class="hint">
        run by the agent while the process is RUNNING; unhealthy after the failures in a row
      </span>
      <div class="row">
        <Field name="probe_kind" label="Kind" error={e.probe_kind}>
          <select id="probe_kind" name="probe_kind">
            {PROBE_KINDS.map(([kind, label]) => (
              <option value={kind} selected={(v.probe_kind || 'none') === kind}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field name="probe_target" label="Target" error={e.probe_target} hint="TCP: host:port · HTTP: URL">
          <Text name="probe_target" values={v} errors={e} placeholder="127.0.0.1:9000" />
        </Field>
      </div>
      <div class="row">
        <Field
          name="probe_expected_status"
          label="Expected status"
          error={e.probe_expected_status}
          hint="HTTP only; default 200"
        >
          <Text name="probe_expected_status" values={v} errors={e} type="number" placeholder="200" />
        </Field>
        <Field name="probe_timeout_ms" label="Timeout (ms)" error={e.probe_timeout_ms} hint="default 2000">
          <Text name="probe_timeout_ms" values={v} errors={e} type="number" placeholder="2000" />
        </Field>
        <Field name="probe_failures" label="Failures in a row" error={e.probe_failures} hint="default 3">
          <Text name="probe_failures" values={v} errors={e} type="number" placeholder="3" />
        </Field>
      </div>
    </fieldset>
  );
}

/**
 * The monitors this one may depend on, by host, as a multi-select (works without JavaScript). A monitor
 * is never offered itself; the API refuses longer cycles, and its message shows beside this field.
 */
function DependsOnField(props: {
  values: FormValues;
  errors: FormErrors;
  hosts: readonly Host[];
  monitors: readonly Monitor[];
  monitorId: number | undefined;
}) {
  const selected = new Set((props.values.depends_on ?? '').split(',').filter(Boolean));
  const candidates = props.monitors.filter((m) => m.id !== props.monitorId);
  const hostName = new Map(props.hosts.map((h) => [h.id, h.name]));
  const byHost = [...new Set(candidates.map((m) => m.hostServerId))]
    .map((id) => ({ id, name: hostName.get(id) ?? `host ${id}` }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const error = props.errors.depends_on;
  return (
    <Field
      name="depends_on"
      label="Depends on"
      error={error}
      hint={`while one of these is down, this monitor's warnings are held (no notification) and marked as caused by it; at most ${DEPENDS_ON_MAX}; Ctrl/⌘-click to choose several`}
    >
      {candidates.length === 0 ? (
        <span class="muted">no other monitors yet</span>
      ) : (
        <select
          id="depends_on"
          name="depends_on"
          multiple
          size={Math.min(8, candidates.length + byHost.length)}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'depends_on-error' : undefined}
        >
          {byHost.map((h) => (
            <optgroup label={h.name}>
              {candidates
                .filter((m) => m.hostServerId === h.id)
                .sort((a, b) => a.name.localeCompare(b.name))
                .map((m) => (
                  <option value={String(m.id)} selected={selected.has(String(m.id))}>
                    {`${m.name} (#${m.id})${m.active ? '' : ' · disabled'}`}
                  </option>
                ))}
            </optgroup>
          ))}
        </select>
      )}
    </Field>
  );
}

/** Add or edit a monitor; errors appear beside their fields. */
export function MonitorFormPage(props: {
  ctx: PageContext;
  mode: 'create' | 'edit';
  monitorId?: number;
  hosts: readonly Host[];
  fundAccounts: readonly FundAccount[];
  /** Every monitor: the ones this one may depend on. */
  monitors: readonly Monitor[];
  values: FormValues;
  errors: FormErrors;
  formError?: string | undefined;
}) {
  const { ctx, values: v, errors: e } = props;
  const action =
    props.mode === 'create' ? `${ctx.base}/monitors/new` : `${ctx.base}/monitors/${props.monitorId}/edit`;
  return (
    <Layout ctx={ctx} title={props.mode === 'create' ? 'Add monitor' : 'Edit monitor'} section="monitors">
      <h1>{props.mode === 'create' ? 'Add monitor' : `Edit ${v.name ?? 'monitor'}`}</h1>
      {props.formError ? <Flash kind="error">{props.formError}</Flash> : null}
      <form class="stack" method="post" action={action} novalidate>
        <Csrf token={ctx.csrfToken} />
        <Field name="name" label="Name" error={e.name}>
          <Text name="name" values={v} errors={e} required placeholder="XTP trader, account 001" />
        </Field>
        <div class="row">
          <Field name="hostServerId" label="Host" error={e.hostServerId}>
            <select id="hostServerId" name="hostServerId">
              <option value="">choose…</option>
              {props.hosts.map((h) => (
                <option value={String(h.id)} selected={v.hostServerId === String(h.id)}>
                  {h.name}
                </option>
              ))}
            </select>
          </Field>
          <Field name="process_type" label="Type" error={e.process_type}>
            <select id="process_type" name="process_type">
              {PROCESS_TYPES.map((t) => (
                <option value={t} selected={v.process_type === t}>
                  {t}
                </option>
              ))}
            </select>
          </Field>
          <Field name="fundAccountId" label="Fund account" error={e.fundAccountId} hint="required for TRADER">
            <Text name="fundAccountId" values={v} errors={e} list="fund-accounts" />
            <datalist id="fund-accounts">
              {props.fundAccounts.map((f) => (
                <option value={f.account}>{f.name ?? f.account}</option>
              ))}
            </datalist>
          </Field>
        </div>
        <Field
          name="process_name"
          label="Process name"
          error={e.process_name}
          hint="exact name (comm) or executable basename"
        >
          <Text name="process_name" values={v} errors={e} placeholder="trader_tools" />
        </Field>
        <Field
          name="command_pattern"
          label="Command pattern"
          error={e.command_pattern}
          hint="regular expression over the full command line"
        >
          <Text name="command_pattern" values={v} errors={e} placeholder="trader_tools.*account001" />
        </Field>
        <Field name="pid_file" label="PID file" error={e.pid_file}>
          <Text name="pid_file" values={v} errors={e} placeholder="/run/trader/trader.pid" />
        </Field>
        <div class="row">
          <Field name="check_interval" label="Check every (s)" error={e.check_interval}>
            <Text name="check_interval" values={v} errors={e} type="number" placeholder="60" />
          </Field>
          <Field
            name="monitor_start_time"
            label="Monitor from"
            error={e.monitor_start_time}
            hint={`exchange time (${ctx.timeZone})`}
          >
            <Text name="monitor_start_time" values={v} errors={e} type="datetime-local" />
          </Field>
          <Field name="monitor_end_time" label="Monitor until" error={e.monitor_end_time}>
            <Text name="monitor_end_time" values={v} errors={e} type="datetime-local" />
          </Field>
        </div>
        <Field
          name="session_windows"
          label="Session windows"
          error={e.session_windows}
          hint="on trading days, e.g. 08:45-15:30, 20:45-02:35"
        >
          <Text name="session_windows" values={v} errors={e} placeholder="08:45-15:30, 20:45-02:35" />
        </Field>
        <div class="row">
          <Field name="cpu_threshold_percent" label="CPU warning above (%)" error={e.cpu_threshold_percent}>
            <Text name="cpu_threshold_percent" values={v} errors={e} type="number" />
          </Field>
          <Field
            name="memory_threshold_percent"
            label="Memory warning above (%)"
            error={e.memory_threshold_percent}
          >
            <Text name="memory_threshold_percent" values={v} errors={e} type="number" />
          </Field>
          <Field name="memory_threshold_mb" label="Memory warning above (MB)" error={e.memory_threshold_mb}>
            <Text name="memory_threshold_mb" values={v} errors={e} type="number" />
          </Field>
        </div>
        <div class="row">
          <Field
            name="restart_action"
            label="Restart action"
            error={e.restart_action}
            hint="name of a restart action in the host's agent config; empty: never restarted"
          >
            <Text name="restart_action" values={v} errors={e} placeholder="restart-md-feed" />
          </Field>
          <Field
            name="log_file"
            label="Log file"
            error={e.log_file}
            hint="absolute path; the agent reads it only under its log_dirs"
          >
            <Text name="log_file" values={v} errors={e} placeholder="/var/log/trader/md.log" />
          </Field>
        </div>
        <ProbeFields values={v} errors={e} />
        <DependsOnField
          values={v}
          errors={e}
          hosts={props.hosts}
          monitors={props.monitors}
          monitorId={props.monitorId}
        />
        <Field name="remark" label="Remark" error={e.remark}>
          <textarea id="remark" name="remark" rows={2}>
            {v.remark ?? ''}
          </textarea>
        </Field>
        <Active values={v} label="Active (checked by the agent)" />
        <div class="inline-actions">
          <button class="primary" type="submit">
            Save
          </button>
          <a
            class="button"
            href={props.monitorId ? `${ctx.base}/monitors/${props.monitorId}` : `${ctx.base}/monitors`}
          >
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  );
}

/** Add or edit a host. */
export function HostFormPage(props: {
  ctx: PageContext;
  mode: 'create' | 'edit';
  hostId?: number;
  values: FormValues;
  errors: FormErrors;
  formError?: string | undefined;
}) {
  const { ctx, values: v, errors: e } = props;
  const action = props.mode === 'create' ? `${ctx.base}/hosts/new` : `${ctx.base}/hosts/${props.hostId}/edit`;
  return (
    <Layout ctx={ctx} title={props.mode === 'create' ? 'Add host' : 'Edit host'} section="hosts">
      <h1>{props.mode === 'create' ? 'Add host' : `Edit ${v.name ?? 'host'}`}</h1>
      {props.formError ? <Flash kind="error">{props.formError}</Flash> : null}
      <form class="stack" method="post" action={action} novalidate>
        <Csrf token={ctx.csrfToken} />
        <div class="row">
          <Field name="name" label="Name" error={e.name}>
            <Text name="name" values={v} errors={e} required placeholder="trade-sh-01" />
          </Field>
          <Field
            name="address"
            label="Address"
            error={e.address}
            hint="host name or IP (for the SSH fallback)"
          >
            <Text name="address" values={v} errors={e} required placeholder="10.0.0.11" />
          </Field>
        </div>
        <div class="row">
          <Field name="ssh_user" label="SSH user" error={e.ssh_user} hint="empty: no SSH fallback">
            <Text name="ssh_user" values={v} errors={e} />
          </Field>
          <Field name="ssh_port" label="SSH port" error={e.ssh_port}>
            <Text name="ssh_port" values={v} errors={e} type="number" placeholder="22" />
          </Field>
          <Field name="ssh_host_key_policy" label="Host key" error={e.ssh_host_key_policy}>
            <select id="ssh_host_key_policy" name="ssh_host_key_policy">
              {HOST_KEY_POLICIES.map((p) => (
                <option value={p} selected={(v.ssh_host_key_policy || 'PINNED') === p}>
                  {p === 'PINNED' ? 'pinned (below)' : 'trust on first use'}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <Field
          name="ssh_host_key"
          label="Pinned host key"
          error={e.ssh_host_key}
          hint="SHA256:… fingerprint or an ssh-ed25519 AAAA… line"
        >
          <Text name="ssh_host_key" values={v} errors={e} />
        </Field>
        <Field
          name="heartbeat_timeout_seconds"
          label="Agent offline after (s)"
          error={e.heartbeat_timeout_seconds}
        >
          <Text name="heartbeat_timeout_seconds" values={v} errors={e} type="number" placeholder="45" />
        </Field>
        <Field name="remark" label="Remark" error={e.remark}>
          <textarea id="remark" name="remark" rows={2}>
            {v.remark ?? ''}
          </textarea>
        </Field>
        <Active values={v} label="Active" />
        <div class="inline-actions">
          <button class="primary" type="submit">
            Save
          </button>
          <a class="button" href={`${ctx.base}/hosts`}>
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  );
}
