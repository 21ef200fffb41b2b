import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { HostWithToken, Monitor } from '@procwatch/shared';
import type { HttpClient } from './http-client.ts';
import type { SuiteContext } from './suite-context.ts';

/** A process for monitors to watch: `sleep` whose argv[0] is a unique marker (the monitors' pattern). */
export function startTarget(ctx: SuiteContext, label: string): { marker: string; child: ChildProcess } {
  const marker = `pw-sys-${label}-${randomBytes(4).toString('hex')}`;
  const child = spawn('sleep', ['86400'], { argv0: marker, stdio: 'ignore' });
  ctx.defer(`kill target ${marker}`, () => {
    child.kill('SIGKILL');
  });
  return { marker, child };
}

/** A host with its agent token and monitors. */
export interface HostFixture {
  readonly host: HostWithToken;
  readonly token: string;
  readonly monitorIds: readonly number[];
}

/**
 * Creates a host through the admin API (its token is remembered as a secret) and `monitors` CUSTOM
 * monitors matching `pattern`, each checked every `checkInterval` seconds.
 */
export async function createHostWithMonitors(
  ctx: SuiteContext,
  admin: HttpClient,
  options: {
    name: string;
    address?: string;
    monitors: number;
    pattern: string;
    checkInterval?: number;
    heartbeatTimeoutSeconds?: number;
  },
): Promise<HostFixture> {
  const host = await admin.call<HostWithToken>('POST', '/api/v1/hosts', {
    name: options.name,
    address: options.address ?? '127.0.0.1',
    ...(options.heartbeatTimeoutSeconds
      ? { heartbeat_timeout_seconds: options.heartbeatTimeoutSeconds }
      : {}),
  });
  ctx.secret(`agent token of ${options.name}`, host.agent_token);
  const monitorIds: number[] = [];
  for (let i = 0; i < options.monitors; i++) {
    const monitor = await admin.call<Monitor>('POST', '/api/v1/monitors', {
      name: `${options.name} m${i}`,
      process_type: 'CUSTOM',
      hostServerId: host.id,
      command_pattern: options.pattern,
      check_interval: options.checkInterval ?? 1,
    });
    monitorIds.push(monitor.id);
  }
  return { host, token: host.agent_token, monitorIds };
}

/** Deactivates monitors (the agent stops checking them at its next config refresh). */
export async function deactivateMonitors(admin: HttpClient, ids: readonly number[]): Promise<void> {
  for (const id of ids) await admin.call('PATCH', `/api/v1/monitors/${id}`, { active: false });
}
