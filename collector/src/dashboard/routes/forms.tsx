import type { Host, Monitor } from '@procwatch/shared';
import type { Hono } from 'hono';
import { type AdminApi, AdminApiError } from '../admin-api.ts';
import { type DashboardEnv, setFlash } from '../dashboard-env.ts';
import {
  type FormErrors,
  type FormValues,
  formFieldOf,
  HOST_FORM_FIELDS,
  isoToLocalDateTime,
  MONITOR_FORM_FIELDS,
  MONITOR_LIST_FIELDS,
  pickForm,
  readHostForm,
  readMonitorForm,
} from '../forms.ts';
import { probeInputOf } from '../probe-input.ts';
import { HostFormPage, MonitorFormPage } from '../views/forms.tsx';
import { HostTokenPage } from '../views/hosts.tsx';
import { htmlPage } from '../views/html-page.ts';
import { idParam } from './pages.tsx';

/** A stored monitor as form values. */
function monitorValues(m: Monitor, timeZone: string): FormValues {
  const s = (v: string | number | null) => (v === null ? '' : String(v));
  return {
    name: m.name,
    hostServerId: String(m.hostServerId),
    process_type: m.process_type,
    fundAccountId: s(m.fundAccountId),
    process_name: s(m.process_name),
    command_pattern: s(m.command_pattern),
    pid_file: s(m.pid_file),
    check_interval: String(m.check_interval),
    monitor_start_time: isoToLocalDateTime(m.monitor_start_time, timeZone),
    monitor_end_time: isoToLocalDateTime(m.monitor_end_time, timeZone),
    session_windows: m.session_windows.join(', '),
    cpu_threshold_percent: s(m.cpu_threshold_percent),
    memory_threshold_percent: s(m.memory_threshold_percent),
    memory_threshold_mb: s(m.memory_threshold_mb),
    restart_action: s(m.restart_action ?? null),
    log_file: s(m.log_file ?? null),
    ...Object.fromEntries(Object.entries(probeInputOf(m.probe)).map(([k, v]) => [`probe_${k}`, v])),
    depends_on: m.depends_on.join(','),
    remark: s(m.remark),
    active: m.active ? 'on' : '',
  };
}

/** What the monitor form offers: hosts, fund accounts, and the monitors one may depend on. */
async function monitorChoices(api: AdminApi) {
  const [hosts, fundAccounts, monitors] = await Promise.all([
    api.listHosts(),
    api.listFundAccounts(),
    api.listMonitors(),
  ]);
  return { hosts, fundAccounts, monitors };
}

/** A stored host as form values. */
function hostValues(h: Host): FormValues {
  const s = (v: string | number | null) => (v === null ? '' : String(v));
  return {
    name: h.name,
    address: h.address,
    ssh_port: String(h.ssh_port),
    ssh_user: s(h.ssh_user),
    ssh_host_key: s(h.ssh_host_key),
    ssh_host_key_policy: h.ssh_host_key_policy,
    heartbeat_timeout_seconds: String(h.heartbeat_timeout_seconds),
    remark: s(h.remark),
    active: h.active ? 'on' : '',
  };
}

/**
 * Maps an API refusal onto the form: field errors beside fields (a dependency cycle beside depends_on),
 * anything else above the form.
 */
function apiRefusal(error: unknown): { errors: FormErrors; formError: string } {
  if (!(error instanceof AdminApiError) || error.status === 401 || error.status >= 500) throw error;
  const errors = error.fieldErrors(formFieldOf);
  delete errors['(root)'];
  const formError =
    error.problem.code === 'monitor_exists'
      ? `${error.message}. Another monitor already has this host, fund account and type.`
      : Object.keys(errors).length
        ? 'Please correct the fields marked below.'
        : error.message;
  return { errors, formError };
}

/** Add and edit forms for hosts and monitors. */
export function registerFormRoutes(
  app: Hono<DashboardEnv>,
  options: { publicUrl?: string | undefined },
): void {
  app.get('/monitors/new', async (c) => {
    const choices = await monitorChoices(c.get('api'));
    const host = idParam(c.req.query('host'));
    const values: FormValues = {
      active: 'on',
      check_interval: '60',
      process_type: 'CUSTOM',
      ...(host ? { hostServerId: String(host) } : {}),
    };
    return htmlPage(
      c,
      <MonitorFormPage ctx={c.get('page')} mode="create" {...choices} values={values} errors={{}} />,
    );
  });

  app.post('/monitors/new', async (c) => {
    const api = c.get('api');
    const page = c.get('page');
    const values = pickForm(await c.req.parseBody({ all: true }), MONITOR_FORM_FIELDS, MONITOR_LIST_FIELDS);
    const read = readMonitorForm(values, page.timeZone);
    let errors: FormErrors = read.ok ? {} : read.errors;
    let formError: string | undefined = read.ok ? undefined : 'Please correct the fields marked below.';
    if (read.ok) {
      try {
        const created = await api.createMonitor(read.body);
        setFlash(c.get('session'), { kind: 'ok', text: `Monitor ${created.name} added.` });
        return c.redirect(`${page.base}/monitors/${created.id}`, 303);
      } catch (error) {
        ({ errors, formError } = apiRefusal(error));
      }
    }
    return htmlPage(
      c,
      <MonitorFormPage
        ctx={page}
        mode="create"
        {...(await monitorChoices(api))}
        values={values}
        errors={errors}
        formError={formError}
      />,
      400,
    );
  });

  app.get('/monitors/:id/edit', async (c, next) => {
    const id = idParam(c.req.param('id'));
    if (id === undefined) return next();
    const api = c.get('api');
    const [monitor, choices] = await Promise.all([api.getMonitor(id), monitorChoices(api)]);
    const values = monitorValues(monitor, c.get('page').timeZone);
    return htmlPage(
      c,
      <MonitorFormPage
        ctx={c.get('page')}
        mode="edit"
        monitorId={id}
        {...choices}
        values={values}
        errors={{}}
      />,
    );
  });

  app.post('/monitors/:id/edit', async (c, next) => {
    const id = idParam(c.req.param('id'));
    if (id === undefined) return next();
    const api = c.get('api');
    const page = c.get('page');
    const values = pickForm(await c.req.parseBody({ all: true }), MONITOR_FORM_FIELDS, MONITOR_LIST_FIELDS);
    const read = readMonitorForm(values, page.timeZone);
    let errors: FormErrors = read.ok ? {} : read.errors;
    let formError: string | undefined = read.ok ? undefined : 'Please correct the fields marked below.';
    if (read.ok) {
      try {
        const updated = await api.updateMonitor(id, read.body);
        setFlash(c.get('session'), { kind: 'ok', text: `Monitor ${updated.name} saved.` });
        return c.redirect(`${page.base}/monitors/${id}`, 303);
      } catch (error) {
        ({ errors, formError } = apiRefusal(error));
      }
    }
    return htmlPage(
      c,
      <MonitorFormPage
        ctx={page}
        mode="edit"
        monitorId={id}
        {...(await monitorChoices(api))}
        values={values}
        errors={errors}
        formError={formError}
      />,
      400,
    );
  });

  app.get('/hosts/new', (c) => {
    const values: FormValues = { active: 'on', ssh_port: '22', ssh_host_key_policy: 'PINNED' };
    return htmlPage(c, <HostFormPage ctx={c.get('page')} mode="create" values={values} errors={{}} />);
  });

  app.post('/hosts/new', async (c) => {
    const page = c.get('page');
    const values = pickForm(await c.req.parseBody(), HOST_FORM_FIELDS);
    const read = readHostForm(values);
    let errors: FormErrors = read.ok ? {} : read.errors;
    let formError: string | undefined = read.ok ? undefined : 'Please correct the fields marked below.';
    if (read.ok) {
      try {
        const created = await c.get('api').createHost(read.body as never);
        // The token is shown on this answer only (never stored by the dashboard, never in a URL).
        const collectorUrl = options.publicUrl ?? new URL(c.req.url).origin;
        return htmlPage(c, <HostTokenPage ctx={page} host={created} collectorUrl={collectorUrl} />);
      } catch (error) {
        ({ errors, formError } = apiRefusal(error));
      }
    }
    return htmlPage(
      c,
      <HostFormPage ctx={page} mode="create" values={values} errors={errors} formError={formError} />,
      400,
    );
  });

  app.get('/hosts/:id/edit', async (c, next) => {
    const id = idParam(c.req.param('id'));
    if (id === undefined) return next();
    const host = await c.get('api').getHost(id);
    return htmlPage(
      c,
      <HostFormPage ctx={c.get('page')} mode="edit" hostId={id} values={hostValues(host)} errors={{}} />,
    );
  });

  app.post('/hosts/:id/edit', async (c, next) => {
    const id = idParam(c.req.param('id'));
    if (id === undefined) return next();
    const page = c.get('page');
    const values = pickForm(await c.req.parseBody(), HOST_FORM_FIELDS);
    const read = readHostForm(values);
    let errors: FormErrors = read.ok ? {} : read.errors;
    let formError: string | undefined = read.ok ? undefined : 'Please correct the fields marked below.';
    if (read.ok) {
      try {
        const updated = await c.get('api').updateHost(id, read.body as never);
        setFlash(c.get('session'), { kind: 'ok', text: `Host ${updated.name} saved.` });
        return c.redirect(`${page.base}/hosts`, 303);
      } catch (error) {
        ({ errors, formError } = apiRefusal(error));
      }
    }
    return htmlPage(
      c,
      <HostFormPage
        ctx={page}
        mode="edit"
        hostId={id}
        values={values}
        errors={errors}
        formError={formError}
      />,
      400,
    );
  });
}
