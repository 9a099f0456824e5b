// The Redis response cache against a real redis-server on 127.0.0.1, started by the test, and
// its fail-open behaviour when Redis goes away.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { cacheKey, createCache, HOT_KEY_MAX_CHARS, HotAnswers, KEYED_FIELDS, redisKey, type ResponseCache } from './cache.js';
import type { ChatRequest } from './engine/types.js';
import { freePort, logSink, renderedRuntimeConfig } from '../../test/helpers/service.js';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis) {
  if (process.env.CI) throw new Error('redis-server is missing: .ci/run installs it (apt-get install redis-server)');
  console.log('redis-server not found: skipping the Redis cache tests (apt-get install redis-server)');
}

const request = (text: string): ChatRequest => ({
  messages: [{ role: 'user', content: text }],
  maxTokens: 16,
  maxTokensAsked: true,
  temperature: 0,
  stop: [],
  tools: [],
  toolChoice: 'none',
  parallelToolCalls: true,
  signal: new AbortController().signal,
  wire: { messages: [{ role: 'user', content: text }] },
});

/** Resolves once something accepts TCP connections on the port (bounded: 5 s). */
async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const open = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => (s.end(), r(true)));
      s.on('error', () => r(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

const answer = (content: string) => ({ content, finishReason: 'stop' as const, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });

describe('the cache key', () => {
  it('is the model and every field that shapes the answer, in a fixed order; not the signal or the wire copy', () => {
    const key = cacheKey('demo', request('hi'));
    expect(key).toBe('["demo",[{"role":"user","content":"hi"}],16,true,0,null,null,null,null,[],null,[],"none",true]');
    expect(cacheKey('demo', { ...request('hi'), signal: new AbortController().signal, wire: { messages: [] } })).toBe(key);
    expect(cacheKey('other', request('hi'))).not.toBe(key);
  });

  it('changes with each keyed field alone', () => {
    const keys = new Set([cacheKey('demo', request('hi'))]);
    for (const field of KEYED_FIELDS) keys.add(cacheKey('demo', { ...request('hi'), [field]: `changed ${field}` }));
    expect(keys.size).toBe(KEYED_FIELDS.length + 1);
  });
});

describe('hot answers (the local tier in front of Redis)', () => {
  it('answers until the expiry it was given, not after', () => {
    let now = 1_000;
    const hot = new HotAnswers(4, () => now);
    hot.set('k', answer('a'), 500);
    now = 1_499;
    expect(hot.get('k')).toEqual(answer('a'));
    now = 1_500;
    expect(hot.get('k')).toBeUndefined();
    expect(hot.size).toBe(0);
    hot.set('gone', answer('b'), 0); // Redis reported no time left (or no key): nothing stored
    expect(hot.get('gone')).toBeUndefined();
  });

  it('keeps at most its capacity, evicting the oldest answer not used since it was stored', () => {
    const hot = new HotAnswers(2, () => 0);
    hot.set('a', answer('a'), 1000);
    hot.set('b', answer('b'), 1000);
    expect(hot.get('a')).toEqual(answer('a')); // a is spared once: b goes first
    hot.set('c', answer('c'), 1000);
    expect(hot.size).toBe(2);
    expect([hot.get('a')?.content, hot.get('b')?.content, hot.get('c')?.content]).toEqual(['a', undefined, 'c']);
    // Both used since: each is spared once, then the oldest (a, spared first) goes.
    hot.set('d', answer('d'), 1000);
    expect([hot.get('a')?.content, hot.get('c')?.content, hot.get('d')?.content]).toEqual([undefined, 'c', 'd']);
    expect(hot.size).toBe(2);
  });

  it('spares no expired entry, used or not', () => {
    let now = 0;
    const hot = new HotAnswers(2, () => now);
    hot.set('a', answer('a'), 100);
    hot.set('b', answer('b'), 1000);
    expect(hot.get('a')).toEqual(answer('a'));
    now = 150; // a has expired since it was used: it goes, not b
    hot.set('c', answer('c'), 1000);
    expect([hot.get('b')?.content, hot.get('c')?.content, hot.size]).toEqual(['b', 'c', 2]);
  });

  it('stores nothing with no capacity', () => {
    const hot = new HotAnswers(0, () => 0);
    hot.set('a', answer('a'), 1000);
    expect([hot.size, hot.get('a')]).toEqual([0, undefined]);
  });
});

describe.skipIf(!hasRedis)('Redis response cache', () => {
  let redis: ChildProcess;
  let cache: ResponseCache;
  let url: string;
  const sink = logSink();
  const result = { content: 'cached answer', finishReason: 'stop' as const, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };

  beforeAll(async () => {
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitForPort(port);
    const prod = renderedRuntimeConfig('prod');
    url = `redis://127.0.0.1:${port}`;
    cache = createCache({ ...prod, cache: { redis: { enabled: true, url, ttlSeconds: 60 } } }, sink.log)!;
    await cache.ready();
  });

  /** Another process's view: a second cache (its own local tier) on the same Redis. */
  const replica = async () => {
    const c = createCache({ ...renderedRuntimeConfig('prod'), cache: { redis: { enabled: true, url, ttlSeconds: 60 } } }, sink.log)!;
    await c.ready();
    return c;
  };
  afterAll(async () => {
    await cache?.close();
    redis?.kill();
  });

  it('stores and returns a result under a key derived from the model and everything that shapes the answer', async () => {
    const key = cacheKey('demo', request('hi'));
    expect(redisKey(key)).toMatch(/^smartbot:chat:[0-9a-f]{64}$/);
    expect(cacheKey('demo', { ...request('hi'), signal: new AbortController().signal, wire: { messages: [] } })).toBe(key);
    for (const other of [{ maxTokens: 17 }, { stop: ['x'] }, { toolChoice: 'required' as const }, { responseFormat: { type: 'json_object' as const } }]) expect(cacheKey('demo', { ...request('hi'), ...other })).not.toBe(key);
    await cache.set(key, result);
    expect(await cache.get(key)).toEqual(result);
    expect(await cache.get(cacheKey('demo', request('other')))).toBeUndefined();
  });

  it('answers a hot key from the local tier without a Redis round trip; other replicas read Redis', async () => {
    const key = cacheKey('demo', request('hot'));
    await cache.set(key, answer('hot answer'));
    const direct = new Redis(url);
    try {
      await direct.del(redisKey(key)); // Redis no longer has it: only the local tier can answer now
      expect(await cache.get(key)).toEqual(answer('hot answer'));
      // A request above HOT_KEY_MAX_CHARS is not kept locally: Redis alone answers it.
      const long = cacheKey('demo', request('x'.repeat(HOT_KEY_MAX_CHARS)));
      await cache.set(long, answer('long'));
      await direct.del(redisKey(long));
      expect(await cache.get(long)).toBeUndefined();
      const other = await replica();
      expect(await other.get(key)).toBeUndefined();
      await other.close();
    } finally {
      direct.disconnect();
    }
  });

  it("keeps an answer read from Redis locally only as long as Redis keeps it (its PTTL)", async () => {
    const key = cacheKey('demo', request('short-lived'));
    const direct = new Redis(url);
    try {
      await direct.set(redisKey(key), JSON.stringify(answer('brief')), 'PX', 400);
      const other = await replica();
      expect(await other.get(key)).toEqual(answer('brief'));
      await new Promise((r) => setTimeout(r, 450));
      expect(await other.get(key)).toBeUndefined();
      await other.close();
    } finally {
      direct.disconnect();
    }
  });

  it('fails open when Redis goes away: misses, and one warning', async () => {
    redis.kill();
    await new Promise((r) => setTimeout(r, 300));
    expect(await cache.get(cacheKey('demo', request('hi')))).toBeUndefined();
    await cache.set('k', result);
    expect(sink.lines.filter((l) => l.includes('redis unavailable, serving without cache'))).toHaveLength(1);
  });
});
