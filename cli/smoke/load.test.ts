// The load generator against small scripted fastify servers on 127.0.0.1: what it counts as a
// token, an error and a 429, and that it stops at its bounds.
import { createServer } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantile, runLoad, type LoadOptions, type Progress } from './load.js';

const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
/** A stream like the service's: the role chunk (content ""), three tokens, the finish chunk, [DONE]. */
const GOOD_STREAM = chunk({ role: 'assistant', content: '' }) + chunk({ content: 'Hel' }) + chunk({ content: 'lo' }) + chunk({ content: ' "you"' }) + chunk({}, 'stop') + 'data: [DONE]\n\n';

let app: FastifyInstance;
let base: string;
let calls = 0;

beforeAll(async () => {
  app = Fastify();
  const sse = (body: string) => (_req: unknown, reply: { header(k: string, v: string): unknown; send(b: string): unknown }) => {
    reply.header('content-type', 'text/event-stream; charset=utf-8');
    return reply.send(body);
  };
  app.post('/good', sse(GOOD_STREAM));
  // Tokens arrive 30 ms apart: time to first token must see the wait.
  app.post('/slow', async (_req, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    await new Promise((r) => setTimeout(r, 30));
    reply.raw.write(chunk({ content: 'a' }));
    reply.raw.end('data: [DONE]\n\n');
    return reply;
  });
  app.post('/no-done', sse(chunk({ content: 'a' })));
  app.post('/error-event', sse(chunk({ content: 'a' }) + 'data: {"error":{"message":"x","type":"server_error","param":null,"code":"upstream_error"}}\n\ndata: [DONE]\n\n'));
  app.post('/json', async () => ({ object: 'chat.completion' }));
  // Every other request: 429 queue_full, or 503 model_not_ready.
  app.post('/mixed', async (_req, reply) => {
    calls++;
    if (calls % 2) return reply.code(429).send({ error: { message: 'busy', type: 'rate_limit_error', param: null, code: 'queue_full' } });
    return reply.code(503).send({ error: { message: 'loading', type: 'server_error', param: null, code: 'model_not_ready' } });
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app.close());

const load = (path: string, extra: Partial<LoadOptions> = {}) =>
  runLoad({ url: new URL(`${base}${path}`), headers: { 'content-type': 'application/json' }, body: '{}', durationSeconds: 10, concurrency: 2, maxRequests: 20, timeoutSeconds: 5, ...extra });

describe('runLoad', () => {
  it('counts content deltas as tokens (not the empty role chunk), and stops at the request limit', async () => {
    const r = await load('/good');
    expect(r).toMatchObject({ requests: 20, stoppedBy: 'max-requests', errors: 0, errorRatePercent: 0, rateLimited: 0, errorKinds: [] });
    expect(r.tokensPerSecond * r.seconds).toBeCloseTo(60, 6);
    expect(r.latency!.p99).toBeGreaterThanOrEqual(r.latency!.p50);
    expect(r.firstToken!.p50).toBeLessThanOrEqual(r.latency!.p99);
  });

  it('measures the time to the first token', async () => {
    const r = await load('/slow', { maxRequests: 4 });
    expect(r.firstToken!.p50).toBeGreaterThanOrEqual(0.025);
    expect(r.errors).toBe(0);
  });

  it('stops at the duration, reporting progress with the current p99', async () => {
    const seen: Progress[] = [];
    const r = await load('/good', { durationSeconds: 0.5, maxRequests: 1_000_000, onProgress: (p) => seen.push(p), progressSeconds: 0.2 });
    expect(r.stoppedBy).toBe('duration');
    expect(r.seconds).toBeGreaterThanOrEqual(0.5);
    expect(r.seconds).toBeLessThan(2);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ requests: r.requests, errors: 0, inFlight: 0 });
    expect(last.p99).toBeGreaterThan(0);
  });

  it('reports 429 apart from the errors, and names the error kinds', async () => {
    calls = 0;
    const r = await load('/mixed', { concurrency: 1, maxRequests: 10 });
    expect(r).toMatchObject({ requests: 10, rateLimited: 5, rateLimitedPercent: 50, errors: 5, errorRatePercent: 50, errorKinds: ['503 model_not_ready ×5'] });
    // Both kinds of answer count in the latency, as in the service's histogram.
    expect(r.latency).toBeDefined();
  });

  it.each([
    ['/no-done', 'stream ended without [DONE]'],
    ['/error-event', 'error event upstream_error'],
    ['/json', '200 without an event stream'],
    ['/nowhere', '404'],
  ])('%s is an error: %s', async (path, kind) => {
    const r = await load(path, { concurrency: 1, maxRequests: 3 });
    expect(r).toMatchObject({ requests: 3, errors: 3, errorRatePercent: 100, errorKinds: [`${kind} ×3`] });
  });

  it('reaches an IPv6 loopback address', async () => {
    const v6 = Fastify();
    v6.post('/good', (_req, reply) => reply.header('content-type', 'text/event-stream').send(GOOD_STREAM));
    await v6.listen({ host: '::1', port: 0 });
    try {
      const port = (v6.server.address() as { port: number }).port;
      const r = await runLoad({ url: new URL(`http://[::1]:${port}/good`), headers: { 'content-type': 'application/json' }, body: '{}', durationSeconds: 5, concurrency: 1, maxRequests: 2, timeoutSeconds: 5 });
      expect(r).toMatchObject({ requests: 2, errors: 0 });
    } finally {
      await v6.close();
    }
  });

  it('a refused connection is an error with no latency', async () => {
    const closed = Fastify();
    const url = await closed.listen({ host: '127.0.0.1', port: 0 });
    await closed.close();
    const r = await runLoad({ url: new URL(`${url}/x`), headers: {}, body: '{}', durationSeconds: 5, concurrency: 1, maxRequests: 2, timeoutSeconds: 1 });
    expect(r).toMatchObject({ requests: 2, errors: 2, errorKinds: ['connection refused ×2'], latency: undefined });
  });

  it('a server that never answers times out', async () => {
    const hang = Fastify({ forceCloseConnections: true });
    hang.post('/x', () => new Promise(() => {}));
    const url = await hang.listen({ host: '127.0.0.1', port: 0 });
    const r = await runLoad({ url: new URL(`${url}/x`), headers: { 'content-type': 'application/json' }, body: '{}', durationSeconds: 5, concurrency: 1, maxRequests: 1, timeoutSeconds: 0.2 });
    await hang.close();
    expect(r.errorKinds).toEqual(['no complete answer within 0.2 s ×1']);
  });

  it('a stream that keeps sending bytes (a ping each 50 ms) is cut at the request deadline: the run ends within its duration + that deadline', async () => {
    const trickle = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const t = setInterval(() => res.write(': ping\n\n'), 50);
      res.on('close', () => clearInterval(t));
    });
    await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
    const t0 = performance.now();
    try {
      const port = (trickle.address() as { port: number }).port;
      const r = await runLoad({ url: new URL(`http://127.0.0.1:${port}/x`), headers: {}, body: '{}', durationSeconds: 1, concurrency: 2, maxRequests: 100, timeoutSeconds: 0.5 });
      expect(r.errorKinds).toEqual([`no complete answer within 0.5 s ×${r.requests}`]);
      expect((performance.now() - t0) / 1000).toBeLessThan(1 + 0.5 + 1);
    } finally {
      trickle.closeAllConnections();
      await new Promise((resolve) => trickle.close(resolve));
    }
  });

  it('a stream without blank lines is dropped at 64 KiB, not held', async () => {
    const flood = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = `data: ${'x'.repeat(16 * 1024)}`;
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pump);
      pump();
    });
    await new Promise<void>((resolve) => flood.listen(0, '127.0.0.1', resolve));
    try {
      const port = (flood.address() as { port: number }).port;
      const r = await runLoad({ url: new URL(`http://127.0.0.1:${port}/x`), headers: {}, body: '{}', durationSeconds: 0.5, concurrency: 2, maxRequests: 4, timeoutSeconds: 5 });
      expect(r.errorKinds).toEqual(['stream event over 64 KiB without a blank line ×4']);
    } finally {
      flood.closeAllConnections();
      await new Promise((resolve) => flood.close(resolve));
    }
  });
});

it('quantile is the nearest rank', () => {
  const xs = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  expect([quantile(xs, 0.5), quantile(xs, 0.99), quantile(xs, 1)]).toEqual([50, 99, 100]);
  expect(quantile([7], 0.99)).toBe(7);
});
