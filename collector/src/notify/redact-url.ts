// Robot URLs are credentials: DingTalk's access_token, WeCom's key, Feishu's hook id and Slack's whole path each
// let anyone post into the group. The API shows enough of them to tell channels apart, never all of them.

const MIN_SECRET_LENGTH = 8;

function mask(value: string): string {
  return value.length < MIN_SECRET_LENGTH ? '…' : `…${value.slice(-4)}`;
}

/** The URL with every query value and every long path segment (ids, tokens) reduced to its last 4 characters. */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '…';
  }
  const path = url.pathname
    .split('/')
    .map((segment) =>
      segment.length >= 16 || (segment.length >= 6 && /\d/.test(segment)) ? mask(segment) : segment,
    )
    .join('/');
  const query = [...url.searchParams]
    .map(([key, value]) => `${encodeURIComponent(key)}=${mask(value)}`)
    .join('&');
  return `${url.protocol}//${url.host}${path}${query ? `?${query}` : ''}`;
}
