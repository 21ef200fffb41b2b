import {
  fieldErrors,
  HostCreateSchema,
  MonitorCreateSchema,
  parseHhMm,
  parseIsoDate,
  zonedParts,
  zonedTimeToInstant,
} from '@procwatch/shared';
import type { z } from 'zod';
import { probeInputIssue, readProbeInput } from './probe-input.ts';

// Pure translation between HTML forms (strings) and admin API bodies (typed JSON), validated with
// the same shared schemas the API applies, so that errors appear beside the fields before a round trip.

/** Raw form values as submitted (and re-rendered after an error). */
export type FormValues = Record<string, string>;

/** Field name → error message. */
export type FormErrors = Record<string, string>;

/** Outcome of reading a form. */
export type FormResult<T> = { ok: true; body: T } | { ok: false; errors: FormErrors };

/** Form fields of a monitor, in display order. */
export const MONITOR_FORM_FIELDS = [
  'name',
  'hostServerId',
  'process_type',
  'fundAccountId',
  'process_name',
  'command_pattern',
  'pid_file',
  'check_interval',
  'monitor_start_time',
  'monitor_end_time',
  'session_windows',
  'cpu_threshold_percent',
  'memory_threshold_percent',
  'memory_threshold_mb',
  'restart_action',
  'log_file',
  'probe_kind',
  'probe_target',
  'probe_expected_status',
  'probe_timeout_ms',
  'probe_failures',
  'depends_on',
  'remark',
  'active',
] as const;

/** Monitor form fields that take several values (a multi-select), kept as one comma-separated value. */
export const MONITOR_LIST_FIELDS = ['depends_on'] as const;

/** Form fields of a host. */
export const HOST_FORM_FIELDS = [
  'name',
  'address',
  'ssh_port',
  'ssh_user',
  'ssh_host_key',
  'ssh_host_key_policy',
  'heartbeat_timeout_seconds',
  'remark',
  'active',
] as const;

/**
 * Keeps the known fields of a submitted form as strings (files and unknown fields are dropped). Pass
 * the body parsed with `{ all: true }`: a list field's values are joined with commas (so they re-render
 * and read like a typed id list); any other field repeated keeps its last value, as a browser sends one.
 */
export function pickForm(
  data: Record<string, unknown>,
  fields: readonly string[],
  lists: readonly string[] = [],
): FormValues {
  const out: FormValues = {};
  for (const f of fields) {
    const v = data[f];
    const values = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
    if (values.length === 0) continue;
    out[f] = lists.includes(f) ? values.join(',') : (values.at(-1) as string);
  }
  return out;
}

const text = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : v.trim());

/** A number field: empty → null; not a number → the error to show. */
function numberField(v: string | undefined, errors: FormErrors, name: string): number | null {
  const t = text(v);
  if (t === null) return null;
  const n = Number(t);
  if (!Number.isFinite(n)) {
    errors[name] = 'must be a number';
    return null;
  }
  return n;
}

/**
 * A `datetime-local` value (`2026-03-16T09:15`), read as wall time in the exchange's time zone, as an
 * ISO instant with offset; empty → null.
 */
export function localDateTimeToIso(value: string | undefined, timeZone: string): string | null | Error {
  const t = text(value);
  if (t === null) return null;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2})?$/.exec(t);
  const date = m?.[1] ? parseIsoDate(m[1]) : undefined;
  const time = m?.[2] ? parseHhMm(m[2]) : undefined;
  if (!date || !time) return new Error('must be a date and time (YYYY-MM-DDTHH:MM)');
  return zonedTimeToInstant(date, time, timeZone).toISOString();
}

/** An ISO instant as a `datetime-local` value in the exchange's time zone. */
export function isoToLocalDateTime(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = zonedParts(d, timeZone);
  const pad = (n: number) => n.toString().padStart(2, '0');
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/**
 * Where an error at an API path (`check_interval`, `depends_on.2`, `probe.port`) shows in a form: beside
 * the field of its first segment, except for the probe, whose parts have fields of their own.
 */
export function formFieldOf(path: string, message: string): { field: string; message: string } {
  const [head = path, ...rest] = path.split('.');
  if (head !== 'probe') return { field: head, message };
  const issue = probeInputIssue(rest, message);
  return { field: `probe_${issue.field}`, message: issue.message };
}

function zodErrors(error: z.ZodError, into: FormErrors): FormErrors {
  for (const e of fieldErrors(error)) {
    const { field, message } = formFieldOf(e.path, e.message);
    into[field] ??= message;
  }
  return into;
}

/** Ids typed or selected as `3,5` (commas or spaces; empty: none); undefined when a part is not an id. */
export function parseIdList(text: string | undefined): number[] | undefined {
  const parts = (text ?? '').split(/[\s,]+/).filter(Boolean);
  return parts.every((p) => /^[1-9][0-9]{0,9}$/.test(p)) ? parts.map(Number) : undefined;
}

/** A monitor id list field; not ids → the error to show. */
function idListField(v: string | undefined, errors: FormErrors, name: string): number[] {
  const ids = parseIdList(v);
  if (ids === undefined) errors[name] = 'must be monitor ids separated by commas';
  return ids ?? [];
}

/** Reads a monitor form into a full monitor body (create, or the complete record for an edit). */
export function readMonitorForm(values: FormValues, timeZone: string): FormResult<Record<string, unknown>> {
  const errors: FormErrors = {};
  const body: Record<string, unknown> = {
    name: values.name ?? '',
    process_type: values.process_type ?? '',
    fundAccountId: text(values.fundAccountId),
    process_name: text(values.process_name),
    command_pattern: values.command_pattern?.trim() ? values.command_pattern : null,
    pid_file: text(values.pid_file),
    restart_action: text(values.restart_action),
    log_file: text(values.log_file),
    depends_on: idListField(values.depends_on, errors, 'depends_on'),
    active: values.active === 'on' || values.active === 'true',
    remark: text(values.remark),
  };
  const probe = readProbeInput({
    kind: values.probe_kind,
    target: values.probe_target,
    expected_status: values.probe_expected_status,
    timeout_ms: values.probe_timeout_ms,
    failures: values.probe_failures,
  });
  body.probe = probe.probe;
  for (const [field, message] of Object.entries(probe.errors)) errors[`probe_${field}`] = message;
  const host = text(values.hostServerId);
  body.hostServerId = host === null ? 0 : Number(host);
  if (host === null) errors.hostServerId = 'choose a host';
  const interval = numberField(values.check_interval, errors, 'check_interval');
  if (interval !== null) body.check_interval = interval;
  for (const f of ['cpu_threshold_percent', 'memory_threshold_percent', 'memory_threshold_mb'] as const) {
    body[f] = numberField(values[f], errors, f);
  }
  for (const f of ['monitor_start_time', 'monitor_end_time'] as const) {
    const iso = localDateTimeToIso(values[f], timeZone);
    if (iso instanceof Error) errors[f] = iso.message;
    else body[f] = iso;
  }
  body.session_windows = (values.session_windows ?? '')
    .split(/[\s,]+/)
    .map((w) => w.trim())
    .filter(Boolean);
  const parsed = MonitorCreateSchema.safeParse(body);
  if (!parsed.success) zodErrors(parsed.error, errors);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, body };
}

/** Reads a host form into a host body. */
export function readHostForm(values: FormValues): FormResult<Record<string, unknown>> {
  const errors: FormErrors = {};
  const body: Record<string, unknown> = {
    name: values.name ?? '',
    address: values.address ?? '',
    ssh_user: text(values.ssh_user),
    ssh_host_key: text(values.ssh_host_key),
    active: values.active === 'on' || values.active === 'true',
    remark: text(values.remark),
  };
  if (text(values.ssh_host_key_policy) !== null) body.ssh_host_key_policy = text(values.ssh_host_key_policy);
  const port = numberField(values.ssh_port, errors, 'ssh_port');
  if (port !== null) body.ssh_port = port;
  const timeout = numberField(values.heartbeat_timeout_seconds, errors, 'heartbeat_timeout_seconds');
  if (timeout !== null) body.heartbeat_timeout_seconds = timeout;
  const parsed = HostCreateSchema.safeParse(body);
  if (!parsed.success) zodErrors(parsed.error, errors);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, body };
}
