import { userInfo } from 'node:os';
import {
  describeZodError,
  type Host,
  HostCreateSchema,
  LogTailQuerySchema,
  type Monitor,
  MonitorCreateSchema,
  PROCESS_STATUS_TYPES,
  PROCESS_TYPES,
  type StatusItem,
} from '@procwatch/shared';
import { type AdminApi, describeCheck, type Warning } from '../dashboard/admin-api.ts';
import { parseIdList } from '../dashboard/forms.ts';
import { type ProbeInputField, readProbeInput } from '../dashboard/probe-input.ts';
import { UsageError } from './cli-config.ts';
import { type Column, renderTable } from './table.ts';
import { printableText } from './terminal-text.ts';

/** Options a command received (strings, booleans for flags). */
export type CommandOptions = Record<string, string | boolean | undefined>;

/** What a command produced: data for --json, a table (or line) for people. */
export interface CommandOutput {
  readonly json: unknown;
  readonly text: string;
}

/** One command of the CLI. */
export interface CommandSpec {
  readonly words: readonly string[];
  readonly args: string;
  readonly summary: string;
  readonly options: readonly string[];
  readonly run: (
    api: AdminApi,
    positionals: readonly string[],
    options: CommandOptions,
  ) => Promise<CommandOutput>;
}

const ago = (iso: string | null, now = Date.now()) => {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
};
const num = (v: number | null, digits = 1) => (v === null ? null : v.toFixed(digits));

const HOST_COLUMNS: Column<Host>[] = [
  { title: 'ID', value: (h) => h.id, right: true },
  { title: 'NAME', value: (h) => h.name },
  { title: 'ADDRESS', value: (h) => h.address },
  { title: 'ACTIVE', value: (h) => (h.active ? 'yes' : 'no') },
  { title: 'AGENT', value: (h) => (h.agent_online ? 'online' : 'offline') },
  { title: 'HEARTBEAT', value: (h) => ago(h.last_heartbeat_at) },
  { title: 'VERSION', value: (h) => h.agent_version },
];

const MONITOR_COLUMNS: Column<Monitor>[] = [
  { title: 'ID', value: (m) => m.id, right: true },
  { title: 'NAME', value: (m) => m.name },
  { title: 'HOST', value: (m) => m.hostServerId, right: true },
  { title: 'TYPE', value: (m) => m.process_type },
  { title: 'FUND', value: (m) => m.fundAccountId },
  { title: 'ACTIVE', value: (m) => (m.active ? 'yes' : 'no') },
  { title: 'EVERY', value: (m) => `${m.check_interval}s`, right: true },
  { title: 'MATCH', value: (m) => m.process_name ?? m.command_pattern ?? m.pid_file },
  { title: 'DEPENDS ON', value: (m) => m.depends_on.join(',') },
];

const STATUS_COLUMNS: Column<StatusItem>[] = [
  { title: 'ID', value: (s) => s.processMonitorId, right: true },
  { title: 'HOST', value: (s) => s.host_name },
  { title: 'MONITOR', value: (s) => s.name },
  { title: 'TYPE', value: (s) => s.process_type },
  { title: 'STATUS', value: (s) => `${s.status ?? 'NO DATA'}${s.stale && s.status ? ' (stale)' : ''}` },
  { title: 'PID', value: (s) => s.pid, right: true },
  { title: 'CPU%', value: (s) => num(s.cpu_percent), right: true },
  { title: 'MEM MB', value: (s) => num(s.memory_used_mb, 0), right: true },
  { title: 'CHECKED', value: (s) => ago(s.checked_at) },
];

const WARNING_COLUMNS: Column<Warning>[] = [
  { title: 'ID', value: (w) => w.id, right: true },
  { title: 'STATUS', value: (w) => w.status },
  { title: 'TYPE', value: (w) => w.type },
  { title: 'HOST', value: (w) => w.host_name },
  { title: 'MONITOR', value: (w) => w.monitor_name },
  { title: 'TITLE', value: (w) => w.title },
  { title: 'COUNT', value: (w) => w.count, right: true },
  { title: 'LAST SEEN', value: (w) => ago(w.last_seen_at) },
  // Held: a dependency of the monitor is down and explains it; no notification goes out meanwhile.
  { title: 'HELD BY', value: (w) => w.suppressed_by_name ?? w.suppressed_by },
];

function one(positionals: readonly string[], what: string): string {
  const [value, ...rest] = positionals;
  if (value === undefined || rest.length) throw new UsageError(`expected one ${what}`);
  return value;
}

function idOf(text: string, what: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(text))
    throw new UsageError(`${what} must be a numeric id (got ${JSON.stringify(text)})`);
  return Number(text);
}

/** A host given by id or by exact name. */
async function resolveHost(api: AdminApi, ref: string): Promise<Host> {
  if (/^[1-9][0-9]{0,9}$/.test(ref)) return api.getHost(Number(ref));
  const host = (await api.listHosts()).find((h) => h.name === ref);
  if (!host) throw new UsageError(`no host named ${JSON.stringify(ref)}`);
  return host;
}

const str = (o: CommandOptions, k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
function intOption(o: CommandOptions, k: string): number | undefined {
  const v = str(o, k);
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(v)) throw new UsageError(`--${k} must be a whole number`);
  return Number(v);
}

/** The flag each part of a probe is typed with. */
const PROBE_FLAGS: Record<ProbeInputField, string> = {
  kind: 'probe',
  target: 'probe',
  expected_status: 'probe-status',
  timeout_ms: 'probe-timeout',
  failures: 'probe-failures',
};

/** `--probe host:port|URL` (a URL makes it an HTTP probe) and its numbers, as a probe body; none: undefined. */
function probeOption(o: CommandOptions): Record<string, unknown> | undefined {
  const target = str(o, 'probe');
  if (target === undefined) {
    const stray = ['probe-status', 'probe-timeout', 'probe-failures'].find((k) => str(o, k) !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --probe`);
    return undefined;
  }
  const read = readProbeInput({
    kind: target.includes('://') ? 'http' : 'tcp',
    target,
    expected_status: str(o, 'probe-status'),
    timeout_ms: str(o, 'probe-timeout'),
    failures: str(o, 'probe-failures'),
  });
  const [field, message] = Object.entries(read.errors)[0] ?? [];
  if (field) throw new UsageError(`--${PROBE_FLAGS[field as ProbeInputField]} ${message}`);
  if (str(o, 'probe-status') !== undefined && read.probe?.kind !== 'http')
    throw new UsageError('--probe-status is for an HTTP probe (--probe http://…)');
  return read.probe ?? undefined;
}

function list<T>(columns: Column<T>[], items: readonly T[], empty: string): CommandOutput {
  return { json: { items }, text: items.length ? renderTable(columns, items) : empty };
}

async function setHostActive(api: AdminApi, ref: string, active: boolean): Promise<CommandOutput> {
  const host = await api.updateHost((await resolveHost(api, ref)).id, { active });
  return { json: host, text: `host ${host.id} (${host.name}) ${active ? 'enabled' : 'disabled'}` };
}

async function setMonitorActive(api: AdminApi, ref: string, active: boolean): Promise<CommandOutput> {
  const monitor = await api.updateMonitor(idOf(ref, 'monitor'), { active });
  return {
    json: monitor,
    text: `monitor ${monitor.id} (${monitor.name}) ${active ? 'enabled' : 'disabled'}`,
  };
}

/** Every command, in help order. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    words: ['status'],
    args: '',
    summary: 'latest status of every monitor',
    options: ['host', 'type', 'status', 'stale'],
    run: async (api, _p, o) => {
      const type = str(o, 'type')?.toUpperCase();
      const status = str(o, 'status')?.toUpperCase();
      if (type && !type.split(',').every((t) => (PROCESS_TYPES as readonly string[]).includes(t)))
        throw new UsageError(`--type must be one of ${PROCESS_TYPES.join(', ')}`);
      if (status && !status.split(',').every((t) => (PROCESS_STATUS_TYPES as readonly string[]).includes(t)))
        throw new UsageError(`--status must be one of ${PROCESS_STATUS_TYPES.join(', ')}`);
      const host = str(o, 'host');
      const result = await api.status({
        hostServerId: host ? (await resolveHost(api, host)).id : undefined,
        process_type: type,
        status,
        stale: o.stale === true ? true : undefined,
      });
      return {
        json: result,
        text: result.items.length ? renderTable(STATUS_COLUMNS, result.items) : 'no monitors',
      };
    },
  },
  {
    words: ['hosts', 'list'],
    args: '',
    summary: 'hosts and their agents',
    options: [],
    run: async (api) => list(HOST_COLUMNS, await api.listHosts(), 'no hosts'),
  },
  {
    words: ['hosts', 'add'],
    args: '',
    summary: 'add a host; prints its agent token once',
    options: ['name', 'address', 'ssh-user', 'ssh-port', 'host-key', 'tofu', 'remark'],
    run: async (api, _p, o) => {
      const body = {
        name: str(o, 'name') ?? '',
        address: str(o, 'address') ?? '',
        ...(str(o, 'ssh-user') ? { ssh_user: str(o, 'ssh-user') } : {}),
        ...(intOption(o, 'ssh-port') !== undefined ? { ssh_port: intOption(o, 'ssh-port') } : {}),
        ...(str(o, 'host-key') ? { ssh_host_key: str(o, 'host-key') } : {}),
        ...(o.tofu === true ? { ssh_host_key_policy: 'TOFU' as const } : {}),
        ...(str(o, 'remark') ? { remark: str(o, 'remark') } : {}),
      };
      const parsed = HostCreateSchema.safeParse(body);
      if (!parsed.success) throw new UsageError(describeZodError(parsed.error).replaceAll('_', '-'));
      const host = await api.createHost(parsed.data);
      return {
        json: host,
        text: `host ${host.id} (${host.name}) added.\nagent token (shown once, keep it safe):\n${host.agent_token}`,
      };
    },
  },
  {
    words: ['hosts', 'disable'],
    args: '<id|name>',
    summary: 'stop monitoring a host',
    options: [],
    run: (api, p) => setHostActive(api, one(p, 'host'), false),
  },
  {
    words: ['hosts', 'enable'],
    args: '<id|name>',
    summary: 'monitor a host again',
    options: [],
    run: (api, p) => setHostActive(api, one(p, 'host'), true),
  },
  {
    words: ['monitors', 'list'],
    args: '',
    summary: 'monitors and how they match',
    options: ['host', 'type'],
    run: async (api, _p, o) => {
      const host = str(o, 'host');
      const monitors = await api.listMonitors({
        hostServerId: host ? (await resolveHost(api, host)).id : undefined,
        process_type: str(o, 'type')?.toUpperCase(),
      });
      return list(MONITOR_COLUMNS, monitors, 'no monitors');
    },
  },
  {
    words: ['monitors', 'add'],
    args: '',
    summary: 'add a monitor (--probe HOST:PORT or an http(s) URL; --depends-on ID,ID…)',
    options: [
      'host',
      'name',
      'type',
      'fund-account',
      'process-name',
      'pattern',
      'pid-file',
      'interval',
      'sessions',
      'restart-action',
      'log-file',
      'probe',
      'probe-status',
      'probe-timeout',
      'probe-failures',
      'depends-on',
      'remark',
    ],
    run: async (api, _p, o) => {
      const hostRef = str(o, 'host');
      if (!hostRef) throw new UsageError('--host is required');
      const dependsOn = parseIdList(str(o, 'depends-on'));
      if (dependsOn === undefined)
        throw new UsageError('--depends-on must be monitor ids separated by commas');
      const probe = probeOption(o);
      const body = {
        name: str(o, 'name') ?? '',
        hostServerId: (await resolveHost(api, hostRef)).id,
        process_type: (str(o, 'type') ?? 'CUSTOM').toUpperCase(),
        fundAccountId: str(o, 'fund-account') ?? null,
        process_name: str(o, 'process-name') ?? null,
        command_pattern: str(o, 'pattern') ?? null,
        pid_file: str(o, 'pid-file') ?? null,
        ...(intOption(o, 'interval') !== undefined ? { check_interval: intOption(o, 'interval') } : {}),
        ...(str(o, 'sessions')
          ? { session_windows: (str(o, 'sessions') ?? '').split(',').map((s) => s.trim()) }
          : {}),
        ...(str(o, 'restart-action') ? { restart_action: str(o, 'restart-action') } : {}),
        ...(str(o, 'log-file') ? { log_file: str(o, 'log-file') } : {}),
        ...(probe ? { probe } : {}),
        ...(dependsOn.length ? { depends_on: dependsOn } : {}),
        ...(str(o, 'remark') ? { remark: str(o, 'remark') } : {}),
      };
      const parsed = MonitorCreateSchema.safeParse(body);
      if (!parsed.success) throw new UsageError(describeZodError(parsed.error));
      const monitor = await api.createMonitor(parsed.data);
      return { json: monitor, text: `monitor ${monitor.id} (${monitor.name}) added` };
    },
  },
  {
    words: ['monitors', 'disable'],
    args: '<id>',
    summary: 'stop checking a monitor',
    options: [],
    run: (api, p) => setMonitorActive(api, one(p, 'monitor id'), false),
  },
  {
    words: ['monitors', 'enable'],
    args: '<id>',
    summary: 'check a monitor again',
    options: [],
    run: (api, p) => setMonitorActive(api, one(p, 'monitor id'), true),
  },
  {
    words: ['monitors', 'check'],
    args: '<id>',
    summary: 'check a monitor now (through its agent, or SSH)',
    options: [],
    run: async (api, p) => {
      const result = await api.checkMonitor(idOf(one(p, 'monitor id'), 'monitor'));
      return { json: result, text: describeCheck(result) };
    },
  },
  {
    words: ['monitors', 'tail'],
    args: '<id>',
    summary: "last lines of a monitor's log_file, read now by its host's agent (--lines 1-1000, default 100)",
    options: ['lines'],
    run: async (api, p, o) => {
      const id = idOf(one(p, 'monitor id'), 'monitor');
      const lines = str(o, 'lines');
      const query = LogTailQuerySchema.safeParse(lines === undefined ? {} : { lines });
      if (!query.success) throw new UsageError(`--${describeZodError(query.error)}`);
      const tail = await api.logTail(id, lines);
      // The lines as the file has them (a trailing newline is the output's own), fit for a terminal.
      return { json: tail, text: printableText(tail.text.replace(/\n$/, '')) };
    },
  },
  {
    words: ['warnings', 'list'],
    args: '',
    summary: 'open and acknowledged warnings (--all: resolved too)',
    options: ['all'],
    run: async (api, _p, o) =>
      list(
        WARNING_COLUMNS,
        await api.listWarnings(o.all === true ? {} : { status: 'OPEN,ACKNOWLEDGED' }),
        'no warnings',
      ),
  },
  {
    words: ['warnings', 'ack'],
    args: '<id>',
    summary: 'acknowledge a warning',
    options: ['by', 'note'],
    run: async (api, p, o) => {
      const by = str(o, 'by') ?? (userInfo().username || 'procwatch-cli');
      const warning = await api.ackWarning(idOf(one(p, 'warning id'), 'warning'), by, str(o, 'note'));
      return { json: warning, text: `warning ${warning.id} acknowledged (${warning.title})` };
    },
  },
];
