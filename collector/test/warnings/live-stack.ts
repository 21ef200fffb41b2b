import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostWithToken, Monitor } from '@procwatch/shared';
import { type Collector, startCollector } from '../../src/collector.ts';
import { loadCollectorConfig } from '../../src/config.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';

// A whole procwatch on one machine for end-to-end checks and the latency benchmark: the collector in this
// process (its real HTTP server, extensions and jobs), a real `procwatch-agent run` child process, real target
// processes to kill, and a webhook receiver recording when each message arrives.

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const AGENT_BIN = join(ROOT, 'agent/bin/procwatch-agent.js');

/** One webhook the receiver got. */
export interface WebhookHit {
  readonly at: number;
  readonly event: string;
  readonly warning: { id: number; type: string; monitor: { id: number } | null };
}

/** A target process that the agent watches; its argv carries a unique tag for `command_pattern`. */
export interface Target {
  readonly tag: string;
  readonly child: ChildProcess;
  kill(): number;
}

/** The running stack. */
export interface LiveStack extends AsyncDisposable {
  readonly collector: Collector;
  readonly hits: WebhookHit[];
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  createHost(): Promise<HostWithToken>;
  createMonitor(hostServerId: number, fields: Record<string, unknown>): Promise<Monitor>;
  spawnTarget(): Target;
  /** Starts `procwatch-agent run` for the host of `token`; `extra` goes into its agent.json (e.g. log_dirs). */
  startAgent(token: string, extra?: Record<string, unknown>): ChildProcess;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the collector (on `database`), a webhook receiver and a channel pointing at it. */
export async function startLiveStack(options: {
  database: DatabaseHandle;
  clock?: () => Date;
  env?: Record<string, string>;
}): Promise<LiveStack> {
  const dir = mkdtempSync(join(tmpdir(), 'procwatch-live-'));
  const hits: WebhookHit[] = [];
  const receiver: Server = createServer((req, res) => {
    readBody(req).then(
      (text) => {
        const body = JSON.parse(text) as Omit<WebhookHit, 'at'>;
        hits.push({ at: Date.now(), event: body.event, warning: body.warning });
        res.writeHead(204).end();
      },
      () => res.writeHead(400).end(),
    );
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverPort = (receiver.address() as AddressInfo).port;

  const adminToken = `pwadm_${randomBytes(24).toString('hex')}`;
  const config = loadCollectorConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    PROCWATCH_DATA_DIR: dir,
    PROCWATCH_ADMIN_TOKEN: adminToken,
    ...options.env,
  });
  const logger = createLogger(process.env.PROCWATCH_TEST_LOG_LEVEL ?? 'silent');
  const collector = await startCollector(config, {
    logger,
    database: options.database,
    ...(options.clock ? { now: options.clock } : {}),
  });

  const send = (method: string, path: string, body?: unknown) =>
    fetch(`${collector.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  // A keep-alive socket the server closes just as it is reused resets before the request is read: send again.
  const admin = (method: string, path: string, body?: unknown) =>
    send(method, path, body).catch((error: unknown) => {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return send(method, path, body);
      throw error;
    });
  const created = await admin('POST', '/api/v1/notification-channels', {
    name: 'bench-webhook',
    kind: 'webhook',
    url: `http://127.0.0.1:${receiverPort}/hook`,
    secret: 'live-stack-secret',
  });
  if (created.status !== 201) throw new Error(`channel: ${created.status} ${await created.text()}`);

  const children: ChildProcess[] = [];
  let hostCount = 0;

  const stack: LiveStack = {
    collector,
    hits,
    admin,
    async createHost() {
      hostCount += 1;
      const res = await admin('POST', '/api/v1/hosts', {
        name: `live-${process.pid}-${hostCount}`,
        address: '127.0.0.1',
      });
      if (res.status !== 201) throw new Error(`host: ${res.status} ${await res.text()}`);
      return (await res.json()) as HostWithToken;
    },
    async createMonitor(hostServerId, fields) {
      const res = await admin('POST', '/api/v1/monitors', {
        name: `target-${randomBytes(3).toString('hex')}`,
        process_type: 'CUSTOM',
        hostServerId,
        ...fields,
      });
      if (res.status !== 201) throw new Error(`monitor: ${res.status} ${await res.text()}`);
      return (await res.json()) as Monitor;
    },
    spawnTarget() {
      const tag = `pwtarget${randomBytes(5).toString('hex')}`;
      // The tag rides in argv, so `command_pattern: tag` matches this process and nothing else.
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)', tag], {
        stdio: 'ignore',
      });
      children.push(child);
      return {
        tag,
        child,
        kill() {
          const at = Date.now();
          child.kill('SIGKILL');
          return at;
        },
      };
    },
    startAgent(token, extra = {}) {
      const stateDir = mkdtempSync(join(dir, 'agent-'));
      const configPath = join(stateDir, 'agent.json');
      writeFileSync(
        configPath,
        JSON.stringify({
          collector: { urls: [collector.url], token },
          state_dir: stateDir,
          log_level: 'warn',
          ...extra,
        }),
      );
      const child = spawn(process.execPath, [AGENT_BIN, 'run', '--config', configPath], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      return child;
    },
    async close() {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 6000))]);
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }
      }
      await collector.close();
      await new Promise((r) => {
        receiver.closeAllConnections();
        receiver.close(r);
      });
      rmSync(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]: () => stack.close(),
  };
  return stack;
}
