import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { abortableSleep } from '@procwatch/shared';
import { request } from 'undici';
import { type AdminApi, AdminApiError } from '../../../collector/src/dashboard/admin-api.ts';
import { readSecretFile, writeSecretFile } from './secret-file.ts';

/** Polls `url` until it answers 200, or throws after `timeoutMs`. */
export async function waitForHttpOk(url: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    try {
      const res = await request(url, {
        headersTimeout: 2000,
        bodyTimeout: 2000,
        ...(signal ? { signal } : {}),
      });
      await res.body.dump();
      if (res.statusCode === 200) return;
      last = `HTTP ${res.statusCode}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await abortableSleep(250, signal);
  }
  throw new Error(`${url} did not become ready within ${timeoutMs / 1000} s (${last})`);
}

/** The example monitors the quick start puts on this machine: something that shows RUNNING. */
export function exampleMonitors(hostServerId: number) {
  return [
    {
      name: 'procwatch collector',
      process_type: 'CUSTOM' as const,
      hostServerId,
      command_pattern: 'procwatch-collector\\.js serve',
      check_interval: 10,
      remark: 'Added by the quick start: the collector you are looking at.',
    },
  ];
}

/** What the agent of this machine needs. */
export interface AgentSetup {
  readonly hostId: number;
  readonly hostName: string;
  readonly configFile: string;
}

/**
 * Registers this machine as a host (once: an existing host of that name is reused), keeps its agent
 * token in `<agentDir>/agent.token` (rotating it when the file is gone, since the API shows a token
 * only once), adds the example monitors that are missing, and writes the agent's config.
 */
export async function registerThisMachine(options: {
  api: AdminApi;
  agentDir: string;
  collectorUrl: string;
  signal?: AbortSignal;
}): Promise<AgentSetup> {
  const { api, agentDir, signal } = options;
  const name = hostname().trim().slice(0, 200) || 'localhost';
  const tokenFile = join(agentDir, 'agent.token');
  let host = (await api.listHosts(signal)).find((h) => h.name === name);
  if (!host) {
    const created = await api.createHost(
      { name, address: '127.0.0.1', remark: 'this machine (quick start)' },
      signal,
    );
    writeSecretFile(tokenFile, created.agent_token);
    host = created;
  } else if (!readSecretFile(tokenFile)) {
    const rotated = await api.rotateHostToken(host.id, signal);
    writeSecretFile(tokenFile, rotated.agent_token);
  }
  const existing = new Set((await api.listMonitors({ hostServerId: host.id }, signal)).map((m) => m.name));
  for (const monitor of exampleMonitors(host.id)) {
    if (existing.has(monitor.name)) continue;
    try {
      await api.createMonitor(monitor, signal);
    } catch (error) {
      // Two quick starts racing on one database: the other one added it.
      if (!(error instanceof AdminApiError && error.status === 409)) throw error;
    }
  }
  // The agent's config file format (agent/src/config.ts); relative paths are relative to the file.
  const configFile = join(agentDir, 'agent.json');
  const config = {
    collector: { urls: [options.collectorUrl], token_file: 'agent.token' },
    state_dir: 'state',
  };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return { hostId: host.id, hostName: host.name, configFile };
}
