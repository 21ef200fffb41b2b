import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for DingTalk, WeCom, Feishu, Slack and a generic webhook consumer on 127.0.0.1. It checks each
// request the way the service documents it, written here from the documentation rather than borrowed from the
// sender, so that a wrong signature in the sender cannot agree with itself.

/** One message the receiver accepted (or refused). */
export interface ReceivedMessage {
  readonly kind: 'webhook' | 'dingtalk' | 'wecom' | 'feishu' | 'slack';
  /** opened / resolved / reminder / test, read from the message. */
  readonly event: string;
  /** The warning id the message names (0 for a test message). */
  readonly warningId: number;
  readonly verified: boolean;
  readonly receivedAt: number;
  readonly body: unknown;
}

/** Secrets and keys the fake services know. */
export interface ReceiverSecrets {
  webhook: string;
  dingtalkToken: string;
  dingtalk: string;
  wecomKey: string;
  feishuHook: string;
  feishu: string;
  slackPath: string;
}

const HOUR_MS = 3_600_000;

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const LABEL_EVENTS: Record<string, string> = {
  ALERT: 'opened',
  RESOLVED: 'resolved',
  REMINDER: 'reminder',
  TEST: 'test',
};

/** The event and warning id written in a chat message's text. */
function parseText(text: string): { event: string; warningId: number } {
  const label = /\[(ALERT|RESOLVED|REMINDER|TEST)\]/.exec(text)?.[1];
  const id = /Warning[^#\n]*#(\d+)/.exec(text)?.[1];
  return { event: label ? (LABEL_EVENTS[label] ?? '?') : '?', warningId: id ? Number(id) : 0 };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A running fake receiver. */
export interface Receiver extends AsyncDisposable {
  readonly base: string;
  readonly messages: ReceivedMessage[];
  /** Answer the next `n` requests to `path` with 503 (a flaky service). */
  failNext(pathPrefix: string, n: number): void;
  close(): Promise<void>;
}

/** Starts the receiver on 127.0.0.1 with a random port. */
export async function startReceiver(secrets: ReceiverSecrets): Promise<Receiver> {
  const messages: ReceivedMessage[] = [];
  const failures = new Map<string, number>();

  function record(
    kind: ReceivedMessage['kind'],
    parsed: { event: string; warningId: number },
    verified: boolean,
    body: unknown,
  ) {
    messages.push({ kind, ...parsed, verified, receivedAt: Date.now(), body });
  }

  function json(res: ServerResponse, status: number, value: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    for (const [prefix, left] of failures) {
      if (url.pathname.startsWith(prefix) && left > 0) {
        failures.set(prefix, left - 1);
        res.writeHead(503).end('try later');
        return;
      }
    }
    const body = JSON.parse(raw) as Record<string, unknown>;

    if (url.pathname === '/webhook') {
      const expected = `sha256=${createHmac('sha256', secrets.webhook).update(raw).digest('hex')}`;
      const signature = String(req.headers['x-procwatch-signature'] ?? '');
      const timestamp = Number(req.headers['x-procwatch-timestamp']);
      const verified =
        safeEqual(signature, expected) &&
        timestamp === body.timestamp &&
        Math.abs(Date.now() - timestamp * 1000) < HOUR_MS;
      const warning = body.warning as { id: number };
      record('webhook', { event: String(body.event), warningId: warning.id }, verified, body);
      res.writeHead(verified ? 204 : 401).end();
      return;
    }

    if (url.pathname === '/dingtalk/robot/send') {
      // DingTalk: sign = urlEncode(base64(HmacSHA256(key = secret, timestamp + "\n" + secret))).
      const timestamp = url.searchParams.get('timestamp') ?? '';
      const sign = url.searchParams.get('sign') ?? '';
      const expected = createHmac('sha256', secrets.dingtalk)
        .update(`${timestamp}\n${secrets.dingtalk}`)
        .digest('base64');
      const verified =
        url.searchParams.get('access_token') === secrets.dingtalkToken &&
        safeEqual(sign, expected) &&
        Math.abs(Date.now() - Number(timestamp)) < HOUR_MS &&
        body.msgtype === 'markdown';
      const md = body.markdown as { title: string; text: string };
      record('dingtalk', parseText(`${md.title}\n${md.text}`), verified, body);
      json(res, 200, verified ? { errcode: 0, errmsg: 'ok' } : { errcode: 310000, errmsg: 'sign not match' });
      return;
    }

    if (url.pathname === '/wecom/cgi-bin/webhook/send') {
      const verified = url.searchParams.get('key') === secrets.wecomKey && body.msgtype === 'markdown';
      const md = body.markdown as { content: string };
      record('wecom', parseText(md.content), verified, body);
      json(
        res,
        200,
        verified ? { errcode: 0, errmsg: 'ok' } : { errcode: 93000, errmsg: 'invalid webhook url' },
      );
      return;
    }

    if (url.pathname === `/feishu/open-apis/bot/v2/hook/${secrets.feishuHook}`) {
      // Feishu: sign = base64(HmacSHA256(key = timestamp + "\n" + secret, message = "")), timestamp in seconds.
      const timestamp = String(body.timestamp ?? '');
      const expected = createHmac('sha256', `${timestamp}\n${secrets.feishu}`).update('').digest('base64');
      const verified =
        safeEqual(String(body.sign ?? ''), expected) &&
        Math.abs(Date.now() - Number(timestamp) * 1000) < HOUR_MS &&
        body.msg_type === 'interactive';
      const card = body.card as { header: { title: { content: string } }; elements: { content: string }[] };
      record(
        'feishu',
        parseText(`${card.header.title.content}\n${card.elements[0]?.content ?? ''}`),
        verified,
        body,
      );
      json(
        res,
        200,
        verified ? { code: 0, msg: 'success', data: {} } : { code: 19021, msg: 'sign match fail' },
      );
      return;
    }

    if (url.pathname === `/slack/${secrets.slackPath}`) {
      const blocks = body.blocks as { type: string }[];
      const verified = typeof body.text === 'string' && Array.isArray(blocks) && blocks[0]?.type === 'header';
      record('slack', parseText(String(body.text)), verified, body);
      res
        .writeHead(verified ? 200 : 400, { 'content-type': 'text/plain' })
        .end(verified ? 'ok' : 'invalid_payload');
      return;
    }

    res.writeHead(404).end();
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(400).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closing;
  };
  return {
    base: `http://127.0.0.1:${port}`,
    messages,
    failNext: (prefix, n) => failures.set(prefix, n),
    close,
    [Symbol.asyncDispose]: close,
  };
}
