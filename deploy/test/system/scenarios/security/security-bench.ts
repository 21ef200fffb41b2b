import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AGENT_PROTOCOL_VERSION,
  type HostWithToken,
  type Monitor,
  type Sample,
  tradeDay,
  type WarningPage,
} from '@procwatch/shared';
import { CollectorProcess } from '../../support/collector-process.ts';
import { HttpClient } from '../../support/http-client.ts';
import { waitUntil } from '../../support/poll.ts';
import { freePort } from '../../support/ports.ts';
import type { SystemEnv } from '../scenario.ts';

/** Names with markup in them: the dashboard must show them as text. */
export const HOSTILE = {
  host: '<script>alert("pw-xss-host")</script>',
  monitor: '<img src=x onerror=alert("pw-xss-mon")>',
  remark: '"><svg/onload=alert("pw-xss-remark")>',
  fundAccount: '<b onmouseover=alert("pw-xss-fa")>FA</b>',
} as const;

/** Ids of everything the security checks act on. */
export interface SecurityIds {
  hostA: number;
  hostB: number;
  /** A host without an agent (manual checks get 409, never a wait). */
  hostC: number;
  hostXss: number;
  monitorA: number;
  monitorB: number;
  monitorC: number;
  monitorXss: number;
  fundAccount: string;
  warning: number;
  channel: number;
  mute: number;
  /** Made to be deleted or rotated by the admin cell of the matrix. */
  disposable: {
    host: number;
    rotateHost: number;
    monitor: number;
    fundAccount: string;
    channel: number;
    mute: number;
  };
}

let counter = 0;
/** A name no earlier call returned (creates in the matrix must not clash). */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${randomUUID().slice(0, 8)}`;
}

/** A RUNNING sample of `monitorId`, as an agent sends it. */
export function runningSample(monitorId: number, seq: number): Sample {
  const now = new Date();
  return {
    ...notFoundSample(monitorId, seq),
    status: 'RUNNING',
    pid: 4242,
    cpu_percent: 1,
    memory_percent: 0.5,
    memory_used_mb: 50,
    uptime_seconds: 600,
    start_time: new Date(now.getTime() - 600_000).toISOString(),
    process_count: 1,
  };
}

/** A NOT_FOUND sample of `monitorId`, as an agent sends it. */
export function notFoundSample(monitorId: number, seq: number): Sample {
  const now = new Date();
  return {
    sample_id: randomUUID(),
    seq,
    processMonitorId: monitorId,
    status: 'NOT_FOUND',
    pid: null,
    cpu_percent: null,
    memory_percent: null,
    memory_used_mb: null,
    uptime_seconds: null,
    start_time: null,
    trade_day: tradeDay(now),
    checked_at: now.toISOString(),
    check_duration_ms: 2,
    error_message: null,
    process_count: 0,
  };
}

/** A sample batch body. */
export function batchOf(...samples: Sample[]) {
  return { protocol: AGENT_PROTOCOL_VERSION, samples };
}

/**
 * The collector the security checks attack, with its default limits (20 bad tokens per address and
 * minute), a metrics token, two hosts with agents' tokens (A and B), hostile names, a warning, a
 * notification channel with a signing secret (to a local receiver), a mute, and disposable records.
 * Each check connects from its own loopback address (127.x.y.z), so one check's bad tokens do not
 * rate-limit another's.
 */
export class SecurityBench {
  readonly #clients: HttpClient[] = [];
  #nextAddress = 1;

  private constructor(
    readonly env: SystemEnv,
    readonly collector: CollectorProcess,
    readonly database: string,
    readonly receiver: Server,
    readonly receiverUrl: string,
    readonly tokens: { agentA: string; agentB: string; agentXss: string },
    readonly ids: SecurityIds,
  ) {}

  static async start(env: SystemEnv): Promise<SecurityBench> {
    const { ctx, pg } = env;
    const database = 'security';
    await pg.createDatabase(database);
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    ctx.defer('close the webhook receiver', () => new Promise<void>((r) => receiver.close(() => r())));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const collector = new CollectorProcess(ctx, {
      name: 'security',
      databaseUrl: pg.url(database),
      port: await freePort(),
    });
    await collector.start();
    const admin = collector.admin;
    const host = async (name: string, extra: Record<string, unknown> = {}) => {
      // A day's heartbeat timeout: no AGENT_OFFLINE appears while the checks compare states.
      const h = await admin.call<HostWithToken>('POST', '/api/v1/hosts', {
        name,
        address: '127.0.0.1',
        heartbeat_timeout_seconds: 86_400,
        ...extra,
      });
      ctx.secret(`agent token of ${name}`, h.agent_token);
      return h;
    };
    const monitor = (hostServerId: number, name: string, extra: Record<string, unknown> = {}) =>
      admin.call<Monitor>('POST', '/api/v1/monitors', {
        name,
        process_type: 'CUSTOM',
        hostServerId,
        command_pattern: 'pw-never-matches-anything',
        check_interval: 60,
        ...extra,
      });
    const channel = async (name: string) => {
      const secret = ctx.newSecret(`signing secret of channel ${name}`);
      const created = await admin.call<{ id: number }>('POST', '/api/v1/notification-channels', {
        name,
        kind: 'webhook',
        url: receiverUrl,
        secret,
      });
      return created.id;
    };
    const mute = async (hostServerId: number) =>
      (
        await admin.call<{ id: number }>('POST', '/api/v1/mutes', {
          hostServerId,
          muted_until: new Date(Date.now() + 3_600_000).toISOString(),
          reason: 'security suite',
        })
      ).id;

    await admin.call('POST', '/api/v1/fund-accounts', { account: 'SECFA1', name: 'security fund' });
    await admin.call('POST', '/api/v1/fund-accounts', {
      account: HOSTILE.fundAccount,
      name: HOSTILE.fundAccount,
    });
    await admin.call('POST', '/api/v1/fund-accounts', { account: 'SECFA-DEL' });
    const hostA = await host('sec-host-a');
    const hostB = await host('sec-host-b');
    const hostC = await host('sec-host-c');
    const hostXss = await host(HOSTILE.host, { remark: HOSTILE.remark });
    const monitorA = await monitor(hostA.id, 'sec-monitor-a', {
      fundAccountId: 'SECFA1',
      process_type: 'TRADER',
    });
    const monitorB = await monitor(hostB.id, 'sec-monitor-b');
    const monitorC = await monitor(hostC.id, 'sec-monitor-c');
    const monitorXss = await monitor(hostXss.id, HOSTILE.monitor, {
      remark: HOSTILE.remark,
      fundAccountId: HOSTILE.fundAccount,
    });
    // A warning whose title carries the hostile monitor name: its agent reports the process missing.
    const agentXss = new HttpClient(collector.url, hostXss.agent_token);
    try {
      for (let seq = 1; seq <= 3; seq++) {
        await agentXss.call('POST', '/agent/v1/samples', batchOf(notFoundSample(monitorXss.id, seq)));
      }
    } finally {
      await agentXss.close();
    }
    const warning = await waitUntil(
      'a warning about the hostile monitor',
      async () =>
        (await admin.call<WarningPage>('GET', `/api/v1/warnings?processMonitorId=${monitorXss.id}`)).items[0],
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const disposable = {
      host: (await host(uniqueName('sec-del-host'))).id,
      rotateHost: (await host(uniqueName('sec-rotate-host'))).id,
      monitor: (await monitor(hostA.id, uniqueName('sec-del-monitor'))).id,
      fundAccount: 'SECFA-DEL',
      channel: await channel(uniqueName('sec-del-channel')),
      mute: await mute(hostB.id),
    };
    const ids: SecurityIds = {
      hostA: hostA.id,
      hostB: hostB.id,
      hostC: hostC.id,
      hostXss: hostXss.id,
      monitorA: monitorA.id,
      monitorB: monitorB.id,
      monitorC: monitorC.id,
      monitorXss: monitorXss.id,
      fundAccount: 'SECFA1',
      warning: warning.id,
      channel: await channel('sec-channel'),
      mute: await mute(hostB.id),
      disposable,
    };
    const tokens = { agentA: hostA.agent_token, agentB: hostB.agent_token, agentXss: hostXss.agent_token };
    const bench = new SecurityBench(env, collector, database, receiver, receiverUrl, tokens, ids);
    ctx.defer('close the security clients', () => bench.closeClients());
    return bench;
  }

  async #sampleCount(): Promise<string> {
    const [row] = await this.env.pg.query<{ n: string }>(
      this.database,
      'SELECT count(*) AS n FROM "ProcessStatus"',
    );
    return row!.n;
  }

  /** A client connecting from a loopback address no other client used. */
  freshClient(token: string | null = null): HttpClient {
    const n = this.#nextAddress++;
    const client = new HttpClient(this.collector.url, token, {
      localAddress: `127.77.${Math.floor(n / 250)}.${(n % 250) + 1}`,
      connections: 1,
    });
    this.#clients.push(client);
    return client;
  }

  async closeClients(): Promise<void> {
    await Promise.all(this.#clients.splice(0).map((c) => c.close()));
  }

  /**
   * A digest of everything admins manage (hosts without their heartbeat columns, monitors, fund accounts,
   * channels, mutes, warnings' status and ack): equal digests = nothing changed.
   */
  async adminState(options: { withSamples?: boolean } = {}): Promise<string> {
    const [row] = await this.env.pg.query<{ digest: string }>(
      this.database,
      `SELECT md5(concat_ws('|',
         (SELECT string_agg(concat_ws(',', id, name, address, remark, active, agent_token_id, agent_token_hash,
                 heartbeat_timeout_seconds), ';' ORDER BY id) FROM "HostServer"),
         (SELECT string_agg(m::text, ';' ORDER BY id) FROM "ProcessMonitor" m),
         (SELECT string_agg(f::text, ';' ORDER BY account) FROM "FundAccount" f),
         (SELECT string_agg(c::text, ';' ORDER BY id) FROM "NotificationChannel" c),
         (SELECT string_agg(w::text, ';' ORDER BY id) FROM "WarningMute" w),
         (SELECT string_agg(concat_ws(',', id, status, acknowledged_by, ack_note), ';' ORDER BY id) FROM "OpsWarning"),
         $1::text)) AS digest`,
      [options.withSamples ? await this.#sampleCount() : ''],
    );
    return row!.digest;
  }
}
