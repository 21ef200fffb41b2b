import type { Child } from 'hono/jsx';

/** What every page knows about the request and the session. */
export interface PageContext {
  /** Where the dashboard is mounted (`/ui`). */
  readonly base: string;
  readonly csrfToken: string;
  /** Today's trade day (YYYYMMDD) by the collector's calendar. */
  readonly tradeDay: string;
  /** Exchange time zone: every instant is shown in it. */
  readonly timeZone: string;
  readonly now: Date;
}

/** The navigation entries; `current` marks the page. */
const NAV = [
  ['overview', '', 'Overview'],
  ['monitors', '/monitors', 'Monitors'],
  ['warnings', '/warnings', 'Warnings'],
  ['hosts', '/hosts', 'Hosts'],
] as const;

/** Which section a page belongs to. */
export type Section = (typeof NAV)[number][0] | 'none';

/** Hidden CSRF field for a form. */
export function Csrf(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

/** The page frame: head, navigation, main, footer. `refreshSeconds` > 0 makes the page refresh itself. */
export function Layout(props: {
  ctx: PageContext;
  title: string;
  section: Section;
  refreshSeconds?: number;
  children?: Child;
}) {
  const { ctx } = props;
  const refresh = props.refreshSeconds ?? 0;
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone: ctx.timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(ctx.now);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · procwatch`}</title>
        <link rel="stylesheet" href={`${ctx.base}/assets/style.css`} />
        {refresh > 0 ? (
          <noscript>
            <meta http-equiv="refresh" content={String(refresh)} />
          </noscript>
        ) : null}
        <script src={`${ctx.base}/assets/app.js`} defer />
      </head>
      <body data-refresh={refresh > 0 ? String(refresh) : undefined}>
        <header class="top">
          <a class="brand" href={ctx.base}>
            procwatch
          </a>
          <nav>
            {NAV.map(([key, path, label]) => (
              <a href={`${ctx.base}${path}`} class={props.section === key ? 'current' : undefined}>
                {label}
              </a>
            ))}
          </nav>
          <div class="meta">
            <span>
              trade day{' '}
              <strong>{`${ctx.tradeDay.slice(0, 4)}-${ctx.tradeDay.slice(4, 6)}-${ctx.tradeDay.slice(6)}`}</strong>
            </span>
            <span id="updated" title={`times in ${ctx.timeZone}`}>
              updated {time}
            </span>
            <form method="post" action={`${ctx.base}/logout`}>
              <Csrf token={ctx.csrfToken} />
              <button type="submit">Log out</button>
            </form>
          </div>
        </header>
        <main id="main">{props.children}</main>
        <footer class="bottom">procwatch · times in {ctx.timeZone}</footer>
      </body>
    </html>
  );
}

/** A bare page (login, errors before a session exists). */
export function BarePage(props: { base: string; title: string; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · procwatch`}</title>
        <link rel="stylesheet" href={`${props.base}/assets/style.css`} />
      </head>
      <body>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}
