// The abuse corpus (cases.ts) against running services over real sockets: each case gets its
// status, its error code in OpenAI's shape and the field it names, and after each one the
// service still answers /healthz at once.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../service/src/app.js';
import type { RunningService } from '../../service/src/service.js';
import { freshKeys, fullSlots, scriptedDeps, startDemoService } from '../helpers/service.js';
import { CASES, DEMO_LIMITS, type Case, type Keys } from './cases.js';
import { send, sendRaw } from './wire.js';

let demo: RunningService;
let keys: Keys;
const apps: FastifyInstance[] = [];
const ports: Record<NonNullable<Case['target']>, number> = { demo: 0, busy: 0, draining: 0 };

async function listen(app: FastifyInstance): Promise<number> {
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

beforeAll(async () => {
  // One set of keys reaches every target.
  const shared = freshKeys();
  keys = { chat: shared.chat.key, admin: shared.admin.key };
  const started = await startDemoService({
    keys: shared,
    changes: (c) => ({ ...c, http: { ...c.http, headersTimeoutMs: DEMO_LIMITS.headersTimeoutMs, requestTimeoutMs: DEMO_LIMITS.requestTimeoutMs, cors: { allowedOrigins: [DEMO_LIMITS.origin], allowCredentials: false } } }),
  });
  demo = started.service;
  ports.demo = Number(new URL(demo.url).port);
  const { http } = demo.deps.config;
  expect([http.maxMessageChars, http.maxPromptChars]).toEqual([DEMO_LIMITS.maxMessageChars, DEMO_LIMITS.maxPromptChars]);

  // Scripted engines for the states a real model cannot be held in on cue.
  const busy = scriptedDeps(shared);
  busy.engine.slots = await fullSlots(2);
  busy.engine.readinessState = { ready: false, reason: 'model loading' };
  ports.busy = await listen(buildApp(busy.deps));
  const draining = scriptedDeps(shared);
  await draining.deps.lifecycle.drain(0);
  ports.draining = await listen(buildApp(draining.deps));
  afterAll(() => (busy.close(), draining.close()));
}, 60_000);

afterAll(async () => {
  await demo?.close();
  for (const app of apps) await app.close();
});

describe('abuse corpus', () => {
  it('has at least 60 cases, each named once', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const port = ports[c.target ?? 'demo'];
    const answer = c.raw ? await sendRaw(port, c.raw(keys)) : await send(port, c.http!(keys));
    const { status, code, param, headers, message } = c.expect;
    expect([answer.status, answer.body.slice(0, 300)]).toEqual([status, expect.any(String)]);
    if (code === null) expect(answer.json?.error).toBeUndefined();
    else {
      expect(answer.json?.error).toMatchObject({ code, type: expect.any(String), message: expect.any(String) });
      if (param !== undefined) expect(answer.json!.error!.param).toBe(param);
      if (message !== undefined) expect(answer.json!.error!.message).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
    }
    for (const [name, want] of Object.entries(headers ?? {})) {
      if (want === undefined) expect(answer.headers[name], name).toBeUndefined();
      else if (typeof want === 'string') expect(answer.headers[name], name).toBe(want);
      else expect(answer.headers[name], name).toMatch(want);
    }
    // Still up, and answering at once.
    const health = await send(port, { method: 'GET', path: '/healthz' });
    expect([health.status, health.json]).toEqual([200, { status: 'ok' }]);
  });
});
