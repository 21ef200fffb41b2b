import {
  type FundAccount,
  FundAccountSchema,
  type HistoryPage,
  HistoryPageSchema,
  type Host,
  type HostCreate,
  HostSchema,
  type HostUpdate,
  type HostWithToken,
  HostWithTokenSchema,
  listOf,
  type Monitor,
  type MonitorLogTail,
  MonitorLogTailSchema,
  MonitorSchema,
  type Problem,
  ProblemSchema,
  type ProcessEvent,
  ProcessEventListSchema,
  type StatusList,
  StatusListSchema,
  type Warning,
  WarningPageSchema,
  WarningSchema,
} from '@procwatch/shared';
import { z } from 'zod';

// A typed client of the collector's admin API v1, over any transport: the dashboard sends requests
// through the collector's own app (in process), the admin CLI over HTTP with undici. Answers are
// validated with the shared schemas: a collector of another version fails loudly here, not in a view.

/** Sends one request and returns the answer; `body` is JSON text. */
export type AdminTransport = (request: {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  body?: string;
  signal?: AbortSignal;
}) => Promise<{ status: number; contentType: string; text: string }>;

/** An answer of the API that was not a success: its status and problem document. */
export class AdminApiError extends Error {
  override name = 'AdminApiError';
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
  }

  /**
   * Field errors for a form, keyed by the first path segment (`name`, `check_interval`), or where
   * `placeOf` puts them (fields with parts of their own, like a probe).
   */
  fieldErrors(
    placeOf: (path: string, message: string) => { field: string; message: string } = (path, message) => ({
      field: path.split('.')[0] ?? path,
      message,
    }),
  ): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      const { field, message } = placeOf(e.path, e.message);
      out[field] ??= message;
    }
    return out;
  }
}

/** A warning as the API shows it. */
export type { Warning };

/** Answer to "check now": which path served it (agent or SSH) and the fresh samples. */
export const CheckResultSchema = z.object({
  via: z.enum(['agent', 'ssh']),
  hostServerId: z.number().int(),
  fallback_reason: z.string().nullable().optional(),
  samples: z.array(
    z.object({ processMonitorId: z.number().int(), status: z.string(), pid: z.number().int().nullable() }),
  ),
  sample: z.object({ status: z.string(), pid: z.number().int().nullable() }).optional(),
});
/** Answer to "check now". */
export type CheckResult = z.infer<typeof CheckResultSchema>;

/** One line describing a "check now" answer. */
export function describeCheck(result: CheckResult): string {
  const path =
    result.via === 'agent'
      ? 'the agent'
      : `SSH${result.fallback_reason ? ` (${result.fallback_reason.replace('_', ' ')})` : ''}`;
  const sample = result.sample ?? result.samples[0];
  const status = sample ? `${sample.status}${sample.pid ? `, pid ${sample.pid}` : ''}` : 'no sample yet';
  return `Checked through ${path}: ${status}.`;
}

type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function unexpected(status: number, text: string): Problem {
  return {
    type: 'about:blank',
    title: status === 0 ? 'Collector unreachable' : `Unexpected answer (HTTP ${status})`,
    status,
    code: 'unexpected_response',
    detail: text.slice(0, 200),
  };
}

/** The admin API v1, typed. */
export class AdminApi {
  readonly #send: AdminTransport;

  constructor(transport: AdminTransport) {
    this.#send = transport;
  }

  async #call<T>(
    schema: z.ZodType<T>,
    method: Parameters<AdminTransport>[0]['method'],
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    const res = await this.#send({
      method,
      path,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
    let json: unknown;
    try {
      json = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      throw new AdminApiError(res.status, unexpected(res.status, res.text));
    }
    if (res.status < 200 || res.status >= 300) {
      const problem = ProblemSchema.safeParse(json);
      throw new AdminApiError(res.status, problem.success ? problem.data : unexpected(res.status, res.text));
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new AdminApiError(502, {
        ...unexpected(res.status, ''),
        detail: `${method} ${path}: the answer does not match the API schema: ${parsed.error.issues[0]?.message ?? ''}`,
      });
    }
    return parsed.data;
  }

  listHosts(signal?: AbortSignal): Promise<Host[]> {
    return this.#call(listOf(HostSchema), 'GET', '/api/v1/hosts', undefined, signal).then((r) => r.items);
  }
  getHost(id: number, signal?: AbortSignal): Promise<Host> {
    return this.#call(HostSchema, 'GET', `/api/v1/hosts/${id}`, undefined, signal);
  }
  createHost(body: HostCreate, signal?: AbortSignal): Promise<HostWithToken> {
    return this.#call(HostWithTokenSchema, 'POST', '/api/v1/hosts', body, signal);
  }
  updateHost(id: number, body: HostUpdate, signal?: AbortSignal): Promise<Host> {
    return this.#call(HostSchema, 'PATCH', `/api/v1/hosts/${id}`, body, signal);
  }
  rotateHostToken(id: number, signal?: AbortSignal): Promise<HostWithToken> {
    return this.#call(HostWithTokenSchema, 'POST', `/api/v1/hosts/${id}/rotate-token`, {}, signal);
  }

  listFundAccounts(signal?: AbortSignal): Promise<FundAccount[]> {
    return this.#call(listOf(FundAccountSchema), 'GET', '/api/v1/fund-accounts', undefined, signal).then(
      (r) => r.items,
    );
  }

  listMonitors(query?: Query, signal?: AbortSignal): Promise<Monitor[]> {
    return this.#call(
      listOf(MonitorSchema),
      'GET',
      `/api/v1/monitors${queryString(query)}`,
      undefined,
      signal,
    ).then((r) => r.items);
  }
  getMonitor(id: number, signal?: AbortSignal): Promise<Monitor> {
    return this.#call(MonitorSchema, 'GET', `/api/v1/monitors/${id}`, undefined, signal);
  }
  createMonitor(body: Record<string, unknown>, signal?: AbortSignal): Promise<Monitor> {
    return this.#call(MonitorSchema, 'POST', '/api/v1/monitors', body, signal);
  }
  updateMonitor(id: number, body: Record<string, unknown>, signal?: AbortSignal): Promise<Monitor> {
    return this.#call(MonitorSchema, 'PATCH', `/api/v1/monitors/${id}`, body, signal);
  }
  checkMonitor(id: number, signal?: AbortSignal): Promise<CheckResult> {
    return this.#call(CheckResultSchema, 'POST', `/api/v1/monitors/${id}/check`, {}, signal);
  }
  /** The last lines of the monitor's log_file, read now by its host's agent (`lines` as typed: the API judges). */
  logTail(id: number, lines?: string | number, signal?: AbortSignal): Promise<MonitorLogTail> {
    return this.#call(
      MonitorLogTailSchema,
      'POST',
      `/api/v1/monitors/${id}/log-tail${queryString({ lines })}`,
      undefined,
      signal,
    );
  }

  status(query?: Query, signal?: AbortSignal): Promise<StatusList> {
    return this.#call(StatusListSchema, 'GET', `/api/v1/status${queryString(query)}`, undefined, signal);
  }
  /** The monitor's restart events (auto-restart by its agent), newest first. */
  restartEvents(id: number, signal?: AbortSignal): Promise<{ items: ProcessEvent[] }> {
    return this.#call(
      ProcessEventListSchema,
      'GET',
      `/api/v1/monitors/${id}/events?limit=50`,
      undefined,
      signal,
    );
  }
  history(id: number, query?: Query, signal?: AbortSignal): Promise<HistoryPage> {
    return this.#call(
      HistoryPageSchema,
      'GET',
      `/api/v1/monitors/${id}/history${queryString(query)}`,
      undefined,
      signal,
    );
  }

  listWarnings(query?: Query, signal?: AbortSignal): Promise<Warning[]> {
    return this.#call(
      WarningPageSchema,
      'GET',
      `/api/v1/warnings${queryString(query)}`,
      undefined,
      signal,
    ).then((r) => r.items);
  }
  ackWarning(id: number, by: string, note?: string, signal?: AbortSignal): Promise<Warning> {
    return this.#call(
      WarningSchema,
      'POST',
      `/api/v1/warnings/${id}/ack`,
      { by, ...(note ? { note } : {}) },
      signal,
    );
  }
}
