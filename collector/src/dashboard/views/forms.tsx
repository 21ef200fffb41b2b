import { type FundAccount, HOST_KEY_POLICIES, type Host, PROCESS_TYPES } from '@procwatch/shared';
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

/** Add or edit a monitor; errors appear beside their fields. */
export function MonitorFormPage(props: {
  ctx: PageContext;
  mode: 'create' | 'edit';
  monitorId?: number;
  hosts: readonly Host[];
  fundAccounts: readonly FundAccount[];
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
