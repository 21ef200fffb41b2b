import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import {
  type AgentCommand,
  type AgentCommandResult,
  AgentCommandResultSchema,
  type AgentConfig,
  AgentConfigSchema,
  type Heartbeat,
  HeartbeatSchema,
  type Sample,
  SampleBatchSchema,
} from '@procwatch/shared';

/** A sample as the receiver stored it. */
export interface ReceivedSample extends Sample {
  receivedAtMs: number;
}

/** One request in arrival order, with the status it was answered with (0 until answered). */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  status: number;
  /** Samples: the batch's last seq; heartbeat: its `last_seq`; null when the body was not read. */
  lastSeq: number | null;
}

/**
 * A local HTTP server speaking the agent protocol v1 (validated with the shared schemas) for agent
 * tests: it stores samples once per sample_id, as the collector does, and can be switched down.
 */
export class TestReceiver {
  readonly token: string;
  config: AgentConfig;
  /** Answer every request with 503. */
  down = false;
  /** Monitors whose samples are refused with 403 (the whole batch, as the collector does). */
  readonly refusedMonitors = new Set<number>();
  readonly samples: ReceivedSample[] = [];
  readonly sampleIds = new Set<string>();
  duplicates = 0;
  readonly heartbeats: Heartbeat[] = [];
  readonly contentEncodings = new Set<string>();
  configRequests = 0;
  /** How long a commands long-poll is held when nothing is queued (the collector holds up to 30 s). */
  commandHoldMs = 1000;
  notModified = 0;
  /** Every request, in the order they arrived. */
  readonly requests: ReceivedRequest[] = [];
  /** Called as each request arrives, before it is answered: a test may switch `down` here. */
  onRequest: ((request: ReceivedRequest) => void) | null = null;
  /** Commands as queued: a test may queue one of a kind the agent does not know. */
  readonly #commands: (AgentCommand | Record<string, unknown>)[] = [];
  /** Answers posted to /agent/v1/commands/:id/result, by command id. */
  readonly results = new Map<string, AgentCommandResult>();
  readonly #server = createServer((req, res) => {
    this.#handle(req, res).catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  url = '';

  constructor(config: AgentConfig, token = 'test-agent-token-0123456789') {
    this.config = AgentConfigSchema.parse(config);
    this.token = token;
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  queueCommand(command: AgentCommand | Record<string, unknown>): void {
    this.#commands.push(command);
  }

  samplesFor(monitorId: number): ReceivedSample[] {
    return this.samples.filter((s) => s.processMonitorId === monitorId);
  }

  async #body(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const encoding = req.headers['content-encoding'] ?? 'identity';
    this.contentEncodings.add(encoding);
    return encoding === 'gzip' ? gunzipSync(raw) : raw;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const request: ReceivedRequest = { method: req.method ?? '', path, status: 0, lastSeq: null };
    this.requests.push(request);
    res.once('finish', () => {
      request.status = res.statusCode;
    });
    this.onRequest?.(request);
    if (this.down) {
      res.writeHead(503).end();
      return;
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      res.writeHead(401).end();
      return;
    }
    if (req.method === 'GET' && path === '/agent/v1/config') {
      this.configRequests += 1;
      const body = JSON.stringify(this.config);
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      if (req.headers['if-none-match'] === etag) {
        this.notModified += 1;
        res.writeHead(304, { etag }).end();
        return;
      }
      res.writeHead(200, { etag, 'content-type': 'application/json' }).end(body);
      return;
    }
    if (req.method === 'POST' && path === '/agent/v1/samples') {
      const parsed = SampleBatchSchema.safeParse(JSON.parse((await this.#body(req)).toString()));
      if (!parsed.success) {
        res.writeHead(400).end(parsed.error.message);
        return;
      }
      request.lastSeq = parsed.data.samples.at(-1)?.seq ?? null;
      if (parsed.data.samples.some((s) => this.refusedMonitors.has(s.processMonitorId))) {
        res
          .writeHead(403, { 'content-type': 'application/problem+json' })
          .end('{"code":"forbidden_monitor"}');
        return;
      }
      let accepted = 0;
      let duplicates = 0;
      const now = Date.now();
      for (const s of parsed.data.samples) {
        if (this.sampleIds.has(s.sample_id)) {
          duplicates += 1;
          continue;
        }
        this.sampleIds.add(s.sample_id);
        this.samples.push({ ...s, receivedAtMs: now });
        accepted += 1;
      }
      this.duplicates += duplicates;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ accepted, duplicates }));
      return;
    }
    if (req.method === 'POST' && path === '/agent/v1/heartbeat') {
      const parsed = HeartbeatSchema.safeParse(JSON.parse((await this.#body(req)).toString()));
      if (!parsed.success) {
        res.writeHead(400).end();
        return;
      }
      request.lastSeq = parsed.data.last_seq;
      this.heartbeats.push(parsed.data);
      res.writeHead(204).end();
      return;
    }
    const result = /^\/agent\/v1\/commands\/([0-9a-f-]{36})\/result$/.exec(path);
    if (req.method === 'POST' && result?.[1]) {
      const parsed = AgentCommandResultSchema.safeParse(JSON.parse((await this.#body(req)).toString()));
      if (!parsed.success) {
        res.writeHead(400).end();
        return;
      }
      this.results.set(result[1], parsed.data);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && path === '/agent/v1/commands') {
      const deadline = Date.now() + this.commandHoldMs;
      while (this.#commands.length === 0 && Date.now() < deadline && !req.destroyed) {
        await new Promise((r) => setTimeout(r, 25));
      }
      const commands = this.#commands.splice(0);
      if (commands.length === 0) res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ commands }));
      return;
    }
    res.writeHead(404).end();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
