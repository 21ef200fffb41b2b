import { assertNever, type NotificationChannelKind } from '@procwatch/shared';
import type { WarningNotice } from './notice.ts';
import { type NoticeText, noticeMarkdown, noticePlain, noticeText } from './notice-text.ts';
import { dingtalkSign, feishuSign, webhookSignature } from './signatures.ts';

/** A channel as the sender needs it. */
export interface ChannelTarget {
  readonly id: number;
  readonly name: string;
  readonly kind: NotificationChannelKind;
  readonly url: string;
  readonly secret: string | null;
}

/** One HTTP POST, ready to send. */
export interface OutgoingRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'user-agent': 'procwatch-collector',
};

function jsonRequest(url: string, payload: unknown, headers: Record<string, string> = {}): OutgoingRequest {
  return { url, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(payload) };
}

/** Generic webhook: the notice as JSON, signed over the exact body bytes. */
function webhook(
  channel: ChannelTarget,
  notice: WarningNotice,
  deliveryId: number,
  now: Date,
): OutgoingRequest {
  const timestamp = Math.floor(now.getTime() / 1000);
  const body = JSON.stringify({
    event: notice.event,
    delivery_id: deliveryId,
    timestamp,
    warning: notice.warning,
  });
  const headers: Record<string, string> = {
    ...JSON_HEADERS,
    'x-procwatch-event': notice.event,
    'x-procwatch-delivery': String(deliveryId),
    'x-procwatch-timestamp': String(timestamp),
  };
  if (channel.secret) headers['x-procwatch-signature'] = webhookSignature(channel.secret, body);
  return { url: channel.url, headers, body };
}

/** DingTalk custom robot: markdown message; when the robot has a secret, a signed URL. */
function dingtalk(channel: ChannelTarget, text: NoticeText, now: Date): OutgoingRequest {
  const url = new URL(channel.url);
  if (channel.secret) {
    const timestamp = now.getTime();
    // URLSearchParams form-encodes the base64 (+ → %2B, / → %2F, = → %3D), as DingTalk's urlEncode step asks.
    url.searchParams.set('timestamp', String(timestamp));
    url.searchParams.set('sign', dingtalkSign(channel.secret, timestamp));
  }
  return jsonRequest(url.toString(), {
    msgtype: 'markdown',
    markdown: { title: text.heading, text: noticeMarkdown(text) },
  });
}

/** WeCom (企业微信) group robot: markdown; the key in the URL authenticates. */
function wecom(channel: ChannelTarget, text: NoticeText): OutgoingRequest {
  return jsonRequest(channel.url, { msgtype: 'markdown', markdown: { content: noticeMarkdown(text) } });
}

const FEISHU_TEMPLATES = { opened: 'red', resolved: 'green', reminder: 'orange', test: 'blue' } as const;

/** Feishu/Lark custom bot: an interactive card; signed in the body when the bot has a secret. */
function feishu(channel: ChannelTarget, text: NoticeText, now: Date): OutgoingRequest {
  const content = [text.message, '', ...text.facts.map((f) => `**${f.label}**: ${f.value}`)].join('\n');
  const card = {
    config: { wide_screen_mode: true },
    header: { title: { tag: 'plain_text', content: text.heading }, template: FEISHU_TEMPLATES[text.event] },
    elements: [{ tag: 'markdown', content }],
  };
  if (!channel.secret) return jsonRequest(channel.url, { msg_type: 'interactive', card });
  const timestamp = Math.floor(now.getTime() / 1000);
  return jsonRequest(channel.url, {
    timestamp: String(timestamp),
    sign: feishuSign(channel.secret, timestamp),
    msg_type: 'interactive',
    card,
  });
}

// Slack's mrkdwn treats &, < and > as control characters; everything else is literal enough.
function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Slack incoming webhook: `text` as the notification fallback, blocks for the message itself. */
function slack(channel: ChannelTarget, text: NoticeText): OutgoingRequest {
  const heading = text.heading.length > 150 ? `${text.heading.slice(0, 149)}…` : text.heading;
  return jsonRequest(channel.url, {
    text: noticePlain(text),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: heading } },
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(text.message) } },
      {
        type: 'section',
        fields: text.facts
          .slice(0, 10)
          .map((f) => ({ type: 'mrkdwn', text: `*${slackEscape(f.label)}*\n${slackEscape(f.value)}` })),
      },
    ],
  });
}

/** The HTTP request that delivers `notice` to `channel`, in the channel service's documented format. */
export function buildRequest(
  channel: ChannelTarget,
  notice: WarningNotice,
  meta: { deliveryId: number; now: Date },
): OutgoingRequest {
  const text = noticeText(notice);
  switch (channel.kind) {
    case 'webhook':
      return webhook(channel, notice, meta.deliveryId, meta.now);
    case 'dingtalk':
      return dingtalk(channel, text, meta.now);
    case 'wecom':
      return wecom(channel, text);
    case 'feishu':
      return feishu(channel, text, meta.now);
    case 'slack':
      return slack(channel, text);
    default:
      return assertNever(channel.kind);
  }
}
