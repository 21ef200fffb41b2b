import type { MiddlewareHandler } from 'hono';

/** Paths inside the dashboard that a login may return to: its own pages only (no open redirect). */
export function safeNext(base: string, next: string | undefined): string {
  if (!next || next === base) return base;
  if (!next.startsWith(`${base}/`) || next.startsWith('//') || /[\\\u0000-\u001f]/.test(next)) return base;
  if (next.startsWith(`${base}/login`) || next.startsWith(`${base}/logout`)) return base;
  return next;
}

/**
 * Headers on every dashboard answer. The CSP allows only our own stylesheet and script (no inline
 * script or style, no CDN), forms posting to ourselves, and no framing (clickjacking on "disable").
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'same-origin');
    if (!c.res.headers.get('Cache-Control')) c.header('Cache-Control', 'no-store');
  };
}

/**
 * Refuses a state-changing request whose Origin (or, without one, Referer) names another site.
 * SameSite=Strict cookies and the CSRF token already stop cross-site forms; this is one more wall.
 */
export function sameOrigin(
  requestUrl: string,
  origin: string | undefined,
  referer: string | undefined,
): boolean {
  const own = new URL(requestUrl).host;
  const claimed = origin ?? referer;
  if (!claimed || claimed === 'null') return origin !== 'null';
  try {
    return new URL(claimed).host === own;
  } catch {
    return false;
  }
}
