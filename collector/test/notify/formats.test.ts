import { describe, expect, it } from 'vitest';
import { testNotice, type WarningNotice } from '../../src/notify/notice.ts';
import { redactUrl } from '../../src/notify/redact-url.ts';
import { buildRequest, type ChannelTarget } from '../../src/notify/request-builders.ts';
import { judgeResponse } from '../../src/notify/response-outcome.ts';

const now = new Date('2026-03-04T02:00:00Z');
const notice: WarningNotice = {
  event: 'opened',
  warning: {
    ...testNotice('x', now).warning,
    id: 12,
    type: 'PROCESS_CRASHED',
    title: 'trader <1> & co on sh-01: crashed',
    message: 'trader <1> was running (pid 100) and is now not found.',
    host: { id: 1, name: 'sh-01' },
    monitor: { id: 7, name: 'trader <1>' },
  },
};
const channel = (kind: ChannelTarget['kind'], url: string, secret: string | null = null): ChannelTarget => ({
  id: 1,
  name: 'c',
  kind,
  url,
  secret,
});

describe('message formats', () => {
  it('DingTalk: keeps the access token and appends timestamp and a form-encoded sign when signed', () => {
    const req = buildRequest(
      channel('dingtalk', 'https://oapi.dingtalk.com/robot/send?access_token=abc', 'SECxyz12345'),
      notice,
      { deliveryId: 1, now },
    );
    const url = new URL(req.url);
    expect(url.searchParams.get('access_token')).toBe('abc');
    expect(url.searchParams.get('timestamp')).toBe(String(now.getTime()));
    expect(req.url).toMatch(/&sign=[A-Za-z0-9%]+$/);
    expect(JSON.parse(req.body)).toMatchObject({
      msgtype: 'markdown',
      markdown: { title: '[ALERT] trader <1> & co on sh-01: crashed' },
    });
    const unsigned = buildRequest(
      channel('dingtalk', 'https://oapi.dingtalk.com/robot/send?access_token=abc'),
      notice,
      {
        deliveryId: 1,
        now,
      },
    );
    expect(unsigned.url).toBe('https://oapi.dingtalk.com/robot/send?access_token=abc');
  });

  it('Feishu: signed fields only with a secret; timestamp in seconds as a string', () => {
    const signed = JSON.parse(
      buildRequest(channel('feishu', 'https://open.feishu.cn/open-apis/bot/v2/hook/h', 'sek'), notice, {
        deliveryId: 1,
        now,
      }).body,
    );
    expect(signed).toMatchObject({ timestamp: String(now.getTime() / 1000), msg_type: 'interactive' });
    expect(typeof signed.sign).toBe('string');
    const plain = JSON.parse(
      buildRequest(channel('feishu', 'https://open.feishu.cn/open-apis/bot/v2/hook/h'), notice, {
        deliveryId: 1,
        now,
      }).body,
    );
    expect(plain.sign).toBeUndefined();
    expect(plain.card.header.template).toBe('red');
  });

  it('Slack escapes its control characters; WeCom gets markdown content', () => {
    const slack = JSON.parse(
      buildRequest(channel('slack', 'https://hooks.slack.com/services/T/B/X'), notice, { deliveryId: 1, now })
        .body,
    );
    expect(slack.blocks[1].text.text).toBe('trader &lt;1&gt; was running (pid 100) and is now not found.');
    expect(slack.text).toContain('[ALERT]');
    const wecom = JSON.parse(
      buildRequest(channel('wecom', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k'), notice, {
        deliveryId: 1,
        now,
      }).body,
    );
    expect(wecom.markdown.content).toMatch(/^### \[ALERT\] .*\n.*\n\n- \*\*Type\*\*: PROCESS_CRASHED/);
  });

  it('generic webhook: signature header only with a secret, timestamp inside the signed body', () => {
    const signed = buildRequest(channel('webhook', 'https://example.com/hook', 'whsec'), notice, {
      deliveryId: 9,
      now,
    });
    expect(signed.headers['x-procwatch-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(signed.body)).toMatchObject({
      event: 'opened',
      delivery_id: 9,
      timestamp: now.getTime() / 1000,
    });
    const plain = buildRequest(channel('webhook', 'https://example.com/hook'), notice, {
      deliveryId: 9,
      now,
    });
    expect(plain.headers['x-procwatch-signature']).toBeUndefined();
  });
});

describe('judgeResponse', () => {
  it.each<[string, Parameters<typeof judgeResponse>, ReturnType<typeof judgeResponse>]>([
    ['webhook 204', ['webhook', 204, ''], { ok: true }],
    ['webhook 500 is retried', ['webhook', 500, 'boom'], { ok: false, retry: true, error: 'HTTP 500: boom' }],
    ['webhook 429 is retried', ['webhook', 429, ''], { ok: false, retry: true, error: 'HTTP 429' }],
    ['webhook 404 is not', ['webhook', 404, 'no'], { ok: false, retry: false, error: 'HTTP 404: no' }],
    ['dingtalk errcode 0', ['dingtalk', 200, '{"errcode":0,"errmsg":"ok"}'], { ok: true }],
    [
      'dingtalk refusal in a 200',
      ['dingtalk', 200, '{"errcode":310000,"errmsg":"sign not match"}'],
      { ok: false, retry: true, error: 'errcode 310000: sign not match' },
    ],
    ['wecom errcode 0', ['wecom', 200, '{"errcode":0,"errmsg":"ok"}'], { ok: true }],
    ['feishu code 0', ['feishu', 200, '{"code":0,"msg":"success","data":{}}'], { ok: true }],
    [
      'feishu legacy StatusCode 0',
      ['feishu', 200, '{"StatusCode":0,"StatusMessage":"success"}'],
      { ok: true },
    ],
    [
      'feishu refusal',
      ['feishu', 200, '{"code":19021,"msg":"sign match fail"}'],
      { ok: false, retry: true, error: 'code 19021: sign match fail' },
    ],
    ['slack ok', ['slack', 200, 'ok'], { ok: true }],
    [
      'slack invalid_payload',
      ['slack', 400, 'invalid_payload'],
      { ok: false, retry: false, error: 'HTTP 400: invalid_payload' },
    ],
  ])('%s', (_label, args, expected) => {
    expect(judgeResponse(...args)).toEqual(expected);
  });
});

describe('redactUrl', () => {
  it.each([
    [
      'https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef',
      'https://oapi.dingtalk.com/robot/send?access_token=…cdef',
    ],
    [
      'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa',
      'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…5aaa',
    ],
    [
      'https://open.feishu.cn/open-apis/bot/v2/hook/0f0a1b2c-3d4e-5f60-7182-93a4b5c6d7e8',
      'https://open.feishu.cn/open-apis/bot/v2/hook/…d7e8',
    ],
    [
      'https://hooks.slack.com/services/T01234567/B01234567/abcdefghijklmnopqrstuvwx',
      'https://hooks.slack.com/services/…4567/…4567/…uvwx',
    ],
    ['http://127.0.0.1:9000/hook', 'http://127.0.0.1:9000/hook'],
    ['not a url', '…'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
