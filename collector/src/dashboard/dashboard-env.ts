import type { Context } from 'hono';
import type { AdminApi } from './admin-api.ts';
import type { Session } from './session.ts';
import type { PageContext } from './views/layout.tsx';

/** Variables the dashboard's middleware puts on the context for its handlers. */
export interface DashboardEnv {
  Variables: {
    session: Session;
    /** The admin API, called with the session's token. */
    api: AdminApi;
    page: PageContext;
  };
}

/** A dashboard handler's context. */
export type DashboardContext = Context<DashboardEnv>;

/** A one-shot message shown on the next page the session loads. */
export type FlashMessage = { kind: 'ok' | 'error'; text: string };

const flashes = new WeakMap<Session, FlashMessage>();

/** Leaves a message for the next page of this session (after a POST → redirect). */
export function setFlash(session: Session, flash: FlashMessage): void {
  flashes.set(session, flash);
}

/** Takes the pending message of this session, if any. */
export function takeFlash(session: Session): FlashMessage | undefined {
  const flash = flashes.get(session);
  flashes.delete(session);
  return flash;
}
