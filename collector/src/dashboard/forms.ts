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
  'remark',
  'active',
] as const;

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

/** Keeps the known fields of a submitted form as strings (files and unknown fields are dropped). */
export function pickForm(data: Record<string, unknown>, fields: readonly string[]): FormValues {
  const out: FormValues = {};
  for (const f of fields) {
    const v = data[f];
    if (typeof v === 'string') out[f] = v;
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

function zodErrors(error: z.ZodError, into: FormErrors): FormErrors {
  for (const e of fieldErrors(error)) {
    const field = e.path.split('.')[0] ?? e.path;
    into[field] ??= e.message;
  }
  return into;
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
    active: values.active === 'on' || values.active === 'true',
    remark: text(values.remark),
  };
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
