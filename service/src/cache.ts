// Response cache for identical deterministic requests (temperature 0): a repeat is answered
// from Redis without decoding again. The cache fails open: Redis trouble is logged and the
// request is served by the model.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { readSecret, type ServiceConfig } from './config.js';
import type { ChatRequest, ChatResult } from './engine/types.js';
import type { Logger } from './telemetry/logger.js';

export interface ResponseCache {
  get(key: string): Promise<ChatResult | undefined>;
  set(key: string, value: ChatResult): Promise<void>;
  /** Resolves once connected (commands before that miss: the cache never queues). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Everything that shapes a deterministic answer: the model and the request, without its signal and wire copy. */
export function cacheKey(model: string, req: ChatRequest): string {
  const { signal: _signal, wire: _wire, ...shape } = req;
  return `smartbot:chat:${createHash('sha256').update(JSON.stringify({ model, ...shape })).digest('hex')}`;
}

export function createCache(config: ServiceConfig, log: Logger): ResponseCache | undefined {
  const r = config.cache.redis;
  if (!r.enabled) return undefined;
  const url = r.url ?? readSecret(config, r.secretRef!);
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, retryStrategy: (n) => Math.min(n * 200, 2000) });
  let healthy = true;
  // One warning per outage, whether a command or the connection noticed first.
  const down = (e: Error) => {
    if (healthy) log.warn('redis unavailable, serving without cache', { error: e.message });
    healthy = false;
  };
  redis.on('error', down);
  redis.on('ready', () => {
    if (!healthy) log.info('redis reachable again');
    healthy = true;
  });
  return {
    async get(key) {
      try {
        const v = await redis.get(key);
        return v ? (JSON.parse(v) as ChatResult) : undefined;
      } catch (e) {
        down(e as Error);
        return undefined;
      }
    },
    async set(key, value) {
      try {
        await redis.set(key, JSON.stringify(value), 'EX', r.ttlSeconds);
      } catch (e) {
        down(e as Error);
      }
    },
    ready: () => (redis.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => redis.once('ready', () => resolve()))),
    async close() {
      redis.disconnect();
    },
  };
}
