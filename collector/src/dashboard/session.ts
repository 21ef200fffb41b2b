import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A logged-in dashboard session. */
export interface Session {
  /** Session-bound CSRF token, embedded in every form. */
  readonly csrfToken: string;
  /**
   * The admin token the user logged in with. The dashboard is a client of the admin API (every rule
   * of the API applies to it), so it presents this token on the user's behalf. It lives only in this
   * process's memory: a collector restart ends every session.
   */
  readonly apiToken: string;
  /** Who is at the keyboard, as given at login (acknowledgements carry it); null if not given. */
  readonly operator: string | null;
  readonly createdAt: number;
  lastSeenAt: number;
}

/** Lifetimes of sessions. */
export interface SessionLimits {
  /** A session unused this long expires (a wall screen's auto-refresh keeps its session alive). */
  readonly idleMs: number;
  /** No session outlives this, used or not. */
  readonly absoluteMs: number;
  /** At most this many live sessions; the least recently used goes first. */
  readonly maxSessions: number;
}

/** Default lifetimes: 12 h idle, 7 days at most, 1,000 sessions. */
export const DEFAULT_SESSION_LIMITS: SessionLimits = Object.freeze({
  idleMs: 12 * 3600_000,
  absoluteMs: 7 * 86_400_000,
  maxSessions: 1000,
});

/** A random URL-safe token of `bytes` bytes. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Compares two secrets in constant time (for equal lengths; a length mismatch is simply false). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// Sessions are keyed by a hash of the cookie value, so a dump of this map (heap snapshot, debugger)
// yields no usable cookie.
const keyOf = (id: string) => createHash('sha256').update(id).digest('base64url');

/** In-memory session store with idle and absolute expiry. */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #limits: SessionLimits;
  readonly #now: () => number;

  constructor(limits: Partial<SessionLimits> = {}, now: () => number = Date.now) {
    this.#limits = { ...DEFAULT_SESSION_LIMITS, ...limits };
    this.#now = now;
  }

  /** Starts a session; returns the cookie value (never stored) and the session. */
  create(apiToken: string, operator: string | null = null): { id: string; session: Session } {
    this.#sweep();
    while (this.#sessions.size >= this.#limits.maxSessions) {
      const oldest = this.#sessions.keys().next();
      if (oldest.done) break;
      this.#sessions.delete(oldest.value);
    }
    const id = randomToken(32);
    const now = this.#now();
    const session: Session = {
      csrfToken: randomToken(24),
      apiToken,
      operator,
      createdAt: now,
      lastSeenAt: now,
    };
    this.#sessions.set(keyOf(id), session);
    return { id, session };
  }

  /** The live session of a cookie value, touched; undefined if unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (!id || id.length > 128) return undefined;
    const key = keyOf(id);
    const session = this.#sessions.get(key);
    if (!session) return undefined;
    const now = this.#now();
    if (now - session.lastSeenAt > this.#limits.idleMs || now - session.createdAt > this.#limits.absoluteMs) {
      this.#sessions.delete(key);
      return undefined;
    }
    session.lastSeenAt = now;
    // Re-insert so that Map order is least-recently-used first.
    this.#sessions.delete(key);
    this.#sessions.set(key, session);
    return session;
  }

  /** Ends a session (logout). */
  delete(id: string | undefined): void {
    if (id) this.#sessions.delete(keyOf(id));
  }

  /** Ends every session that presents this admin token (after the token changed, say). */
  deleteByToken(apiToken: string): void {
    for (const [key, s] of this.#sessions) if (sameSecret(s.apiToken, apiToken)) this.#sessions.delete(key);
  }

  get size(): number {
    return this.#sessions.size;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, s] of this.#sessions) {
      if (now - s.lastSeenAt > this.#limits.idleMs || now - s.createdAt > this.#limits.absoluteMs) {
        this.#sessions.delete(key);
      }
    }
  }
}
