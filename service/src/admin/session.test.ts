// Session cookies and the failed-login limiter: the exact header a browser gets, and the window.
import { describe, expect, it } from 'vitest';
import { LoginLimiter, SESSION_MAX_MS, sessionCookie, sessionIdFrom, SessionStore } from './session.js';

const caller = { id: 'ops', scopes: ['admin' as const], kind: 'api-key' as const };

describe('sessions', () => {
  it('last 8 hours, then are gone', () => {
    const store = new SessionStore();
    const s = store.create('Bearer x', caller, 0);
    expect(store.get(s.id, SESSION_MAX_MS - 1)).toBe(s);
    expect(store.get(s.id, SESSION_MAX_MS)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('the cookie is Secure over TLS, and read back from a Cookie header among others', () => {
    const s = new SessionStore().create('Bearer x', caller, 0);
    expect(sessionCookie(s, true, 0)).toBe(`smartbot_console=${s.id}; Path=/; Max-Age=28800; HttpOnly; SameSite=Strict; Secure`);
    expect(sessionIdFrom(`a=1; smartbot_console=${s.id}; b=2`)).toBe(s.id);
    expect(sessionIdFrom('smartbot_console=; other=1')).toBeUndefined();
    expect(sessionIdFrom(undefined)).toBeUndefined();
  });
});

describe('LoginLimiter', () => {
  it('counts each attempt as it starts: the sixth within the minute waits until the minute is over, per address', () => {
    const l = new LoginLimiter(5, 60_000);
    for (let i = 0; i < 5; i++) expect(l.attempt('a', 1000)).toBe(0);
    expect(l.attempt('a', 1000)).toBe(60);
    expect(l.attempt('a', 60_500)).toBe(1);
    expect(l.attempt('a', 61_000)).toBe(0);
    expect(l.attempt('b', 1000)).toBe(0);
  });

  it('takes a successful attempt back: a correct credential never counts against the address', () => {
    const l = new LoginLimiter(5, 60_000);
    for (let i = 0; i < 10; i++) expect(l.attempt('a', 1000)).toBe(0), l.succeeded('a');
    for (let i = 0; i < 5; i++) expect(l.attempt('a', 1000)).toBe(0);
    expect(l.attempt('a', 1000)).toBe(60);
  });
});
