// Console sessions: an admin credential typed into the login form once is exchanged for a
// random session id in an HttpOnly, SameSite=Strict cookie (Secure over TLS), for at most 8 h.
// The credential itself stays in this process's
// memory and is checked again on every page, so a key revoked or expired in the keyring ends
// its sessions at once. Only the admin app reads the cookie: the API port never does.
import { randomBytes } from 'node:crypto';
import type { Caller } from '../auth/authenticate.js';

export const SESSION_COOKIE = 'smartbot_console';
export const SESSION_MAX_MS = 8 * 3600 * 1000;

export interface Session {
  id: string;
  /** `Bearer …`, re-checked against the keyring or the JWT keys on each request. */
  authorization: string;
  caller: Caller;
  expiresAt: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  /** A new session for 8 h (the credential's own expiry ends it sooner: it is checked on every request). */
  create(authorization: string, caller: Caller, now = Date.now()): Session {
    this.sweep(now);
    const s: Session = { id: randomBytes(32).toString('base64url'), authorization, caller, expiresAt: now + SESSION_MAX_MS };
    this.sessions.set(s.id, s);
    return s;
  }

  get(id: string | undefined, now = Date.now()): Session | undefined {
    const s = id === undefined ? undefined : this.sessions.get(id);
    if (s && s.expiresAt <= now) this.sessions.delete(s.id);
    return s && s.expiresAt > now ? s : undefined;
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(now: number): void {
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}

/** The Set-Cookie value for a session (or, without one, the header that clears the cookie). */
export function sessionCookie(session: Session | undefined, secure: boolean, now = Date.now()): string {
  const maxAge = session ? Math.max(0, Math.round((session.expiresAt - now) / 1000)) : 0;
  return `${SESSION_COOKIE}=${session?.id ?? ''}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The session id from a Cookie header. */
export function sessionIdFrom(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * Failed logins per client address: after `limit` failures in `windowMs`, further attempts are
 * refused (429) until the window ends. Hand-written: @fastify/rate-limit is not a dependency,
 * and this counts failures only: every attempt is counted when it starts and a successful one
 * is taken back (a correct credential is never held against an address).
 */
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly limit = 5,
    readonly windowMs = 60_000,
  ) {}

  /**
   * Counts an attempt from `ip` before it is checked, and says whether it may be made: 0, or
   * the seconds until it may (the attempt is then not counted). Counting first means concurrent
   * attempts cannot all pass while the first ones are still being checked.
   */
  attempt(ip: string, now = Date.now()): number {
    const f = this.failures.get(ip);
    if (f && f.resetAt > now) {
      if (f.count >= this.limit) return Math.ceil((f.resetAt - now) / 1000);
      f.count += 1;
      return 0;
    }
    // Bounded: an address flood only ever keeps one window's worth of entries.
    if (this.failures.size >= 10_000) for (const [k, v] of this.failures) if (v.resetAt <= now) this.failures.delete(k);
    this.failures.set(ip, { count: 1, resetAt: now + this.windowMs });
    return 0;
  }

  /** The attempt succeeded: it is not a failure, so it does not count against the address. */
  succeeded(ip: string): void {
    const f = this.failures.get(ip);
    if (f && f.count > 0) f.count -= 1;
  }
}
