import { assertNever, type NotificationChannelKind } from '@procwatch/shared';

/** How a delivery attempt went: delivered, worth retrying, or hopeless (a 4xx: the request itself is wrong). */
export type AttemptOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly retry: boolean; readonly error: string };

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 300 ? `${oneLine.slice(0, 299)}…` : oneLine;
}

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Judges an HTTP answer. The chat robots answer 200 even when they refuse a message and put the verdict in
 * the body: DingTalk and WeCom `errcode` (0 = sent), Feishu `code` (older: `StatusCode`). Refusals there are
 * retried (rate limits and clock skew pass); a 4xx other than 408/429 is not.
 */
export function judgeResponse(
  kind: NotificationChannelKind,
  statusCode: number,
  body: string,
): AttemptOutcome {
  if (statusCode < 200 || statusCode >= 300) {
    const retry = statusCode >= 500 || statusCode === 408 || statusCode === 429 || statusCode < 200;
    return { ok: false, retry, error: `HTTP ${statusCode}${body ? `: ${clip(body)}` : ''}` };
  }
  switch (kind) {
    case 'webhook':
    case 'slack':
      return { ok: true };
    case 'dingtalk':
    case 'wecom': {
      const json = parseJson(body);
      if (json === undefined) return { ok: false, retry: true, error: `unexpected answer: ${clip(body)}` };
      if (json.errcode === 0) return { ok: true };
      return {
        ok: false,
        retry: true,
        error: `errcode ${String(json.errcode)}: ${clip(String(json.errmsg ?? ''))}`,
      };
    }
    case 'feishu': {
      const json = parseJson(body);
      if (json === undefined) return { ok: false, retry: true, error: `unexpected answer: ${clip(body)}` };
      const code = json.code ?? json.StatusCode;
      if (code === 0) return { ok: true };
      return {
        ok: false,
        retry: true,
        error: `code ${String(code)}: ${clip(String(json.msg ?? json.StatusMessage ?? ''))}`,
      };
    }
    default:
      return assertNever(kind);
  }
}
