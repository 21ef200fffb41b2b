import { createHmac } from 'node:crypto';

/**
 * Generic webhook: `sha256=` + hex HMAC-SHA256 of the exact body bytes, keyed by the channel secret (the
 * GitHub convention). The body carries its own `timestamp`, so the signature covers it and a receiver can
 * refuse replays.
 */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * DingTalk custom robot ("加签"): HMAC-SHA256 keyed by the secret over `timestamp + "\n" + secret`, base64;
 * sent URL-encoded as the `sign` query parameter beside `timestamp` (milliseconds, within an hour of theirs).
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/**
 * Feishu/Lark custom bot: `timestamp + "\n" + secret` is the HMAC-SHA256 *key*, the message is empty; base64.
 * Sent in the JSON body as `sign` beside `timestamp` (seconds, as a string).
 */
export function feishuSign(secret: string, timestampS: number): string {
  return createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');
}
