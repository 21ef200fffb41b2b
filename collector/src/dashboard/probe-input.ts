import type { ProbeSpec } from '@procwatch/shared';

// A health probe as people type it (a kind, a target, a few numbers as text), for the dashboard's form
// and the CLI's flags. Only the shape is built here; ProbeSpecSchema, applied with the rest of the
// monitor, judges the values, so its messages are the ones shown.

/** What a probe is typed as: every value as text, empty meaning "not given". */
export interface ProbeInput {
  /** `none` (or empty), `tcp` or `http`. */
  readonly kind?: string | undefined;
  /** `host:port` (`[::1]:9000` for IPv6) for TCP, the URL for HTTP. */
  readonly target?: string | undefined;
  readonly expected_status?: string | undefined;
  readonly timeout_ms?: string | undefined;
  readonly failures?: string | undefined;
}

/** Which part of the input an error belongs to. */
export type ProbeInputField = keyof ProbeInput;

/**
 * The probe body (null: no probe) and the parts that could not be read. With errors the body still holds
 * the parts that could, so that the schema judges those too and every error shows at once.
 */
export interface ProbeInputResult {
  readonly probe: Record<string, unknown> | null;
  readonly errors: Partial<Record<ProbeInputField, string>>;
}

const given = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/**
 * `host:port` split at the last colon, so that an IPv6 address in brackets keeps its own colons; the
 * brackets go (ProbeSpecSchema's host is the bare address).
 */
function splitHostPort(target: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^[\]]+)):([0-9]{1,5})$/.exec(target);
  const host = m?.[1] ?? m?.[2];
  if (!m?.[3] || !host) return undefined;
  return { host, port: Number(m[3]) };
}

/**
 * Reads a typed probe. The numbers that do not apply to the chosen kind (expected status for TCP) and,
 * for kind `none`, every other value are ignored: a form switched from HTTP to none still holds the
 * old URL, and that must not stop the save.
 */
export function readProbeInput(input: ProbeInput): ProbeInputResult {
  const kind = given(input.kind)?.toLowerCase() ?? 'none';
  if (kind === 'none') return { probe: null, errors: {} };
  const errors: Partial<Record<ProbeInputField, string>> = {};
  const probe: Record<string, unknown> = { kind };
  const target = given(input.target);
  if (kind === 'tcp') {
    const hostPort = target === undefined ? undefined : splitHostPort(target);
    if (hostPort) Object.assign(probe, hostPort);
    else errors.target = 'must be host:port (e.g. 127.0.0.1:9000)';
  } else if (kind === 'http') {
    if (target === undefined) errors.target = 'must be an http:// or https:// URL';
    else probe.url = target;
  } else {
    errors.kind = 'must be none, tcp or http';
  }
  const numbers: ProbeInputField[] = [
    'timeout_ms',
    'failures',
    ...(kind === 'http' ? ['expected_status' as const] : []),
  ];
  for (const field of numbers) {
    const text = given(input[field]);
    if (text === undefined) continue; // the schema's default applies
    const n = Number(text);
    if (Number.isFinite(n)) probe[field] = n;
    else errors[field] = 'must be a number';
  }
  return { probe, errors };
}

/** A stored probe as typed input again (the edit form's values). */
export function probeInputOf(probe: ProbeSpec | null | undefined): Required<ProbeInput> {
  if (!probe) return { kind: 'none', target: '', expected_status: '', timeout_ms: '', failures: '' };
  const target =
    probe.kind === 'tcp'
      ? `${probe.host.includes(':') ? `[${probe.host}]` : probe.host}:${probe.port}`
      : probe.url;
  return {
    kind: probe.kind,
    target,
    expected_status: probe.kind === 'http' ? String(probe.expected_status) : '',
    timeout_ms: String(probe.timeout_ms),
    failures: String(probe.failures),
  };
}

/**
 * Where an issue of ProbeSpecSchema (path below `probe`: `port`, `url`) belongs in the typed input, and
 * its message there: host and port share the target, so their messages say which one they mean.
 */
export function probeInputIssue(
  path: readonly string[],
  message: string,
): { field: ProbeInputField; message: string } {
  switch (path[0]) {
    case 'host':
    case 'port':
      return { field: 'target', message: `${path[0]} ${message.charAt(0).toLowerCase()}${message.slice(1)}` };
    case 'url':
      return { field: 'target', message };
    case 'expected_status':
    case 'timeout_ms':
    case 'failures':
      return { field: path[0], message };
    default:
      return { field: 'kind', message };
  }
}
