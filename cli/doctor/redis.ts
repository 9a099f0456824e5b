// Services: Redis reachable, with its latency, when the environment caches responses. The URL
// comes from the config or from its Secret as the service reads it; a password is never shown.
import { Redis } from 'ioredis';
import { readSecret } from '../../service/src/config.js';
import { ok, problem, reason, skip, type Check } from './check.js';

const section = 'Services';

/** host:port of a redis:// URL, without credentials. */
const place = (url: string) => {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'the configured URL';
  }
};

export const redis: Check = {
  section,
  async run(ctx) {
    const r = ctx.config.cache.redis;
    if (!r.enabled) return [skip(section, 'redis', 'response cache off (cache.redis.enabled: false): Redis not needed')];
    let url: string;
    try {
      url = r.url ?? readSecret(ctx.service, r.secretRef!, ctx.host.env);
    } catch (e) {
      return [problem(section, 'redis', `the Redis URL is not available here: ${reason(e)}`, { why: 'the service would start without its cache', fix: `Provide the Secret as the message says (the URL is never printed), or set \`cache.redis.url\` in ${ctx.envFile}.` })];
    }
    const where = place(url);
    const client = new Redis(url, { lazyConnect: true, connectTimeout: 2000, commandTimeout: 2000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    // ioredis rejects with "Connection is closed."; the socket's own error says why.
    let cause: Error | undefined;
    client.on('error', (e: Error) => (cause ??= e));
    try {
      await client.connect();
      const started = performance.now();
      await client.ping();
      return [ok(section, 'redis', `Redis at ${where} answers PING in ${(performance.now() - started).toFixed(1)} ms`)];
    } catch (e) {
      return [
        problem(section, 'redis', `Redis at ${where} is not reachable: ${reason(cause ?? e)}`, {
          why: 'the cache fails open: the service still answers, but every repeated temperature-0 request is decoded again and each one logs a Redis warning',
          fix: `Start Redis there (for example \`redis-server --port ${where.split(':').at(-1)}\`), correct \`cache.redis.url\` (or its Secret), or set \`cache.redis.enabled: false\` in ${ctx.envFile}.`,
        }),
      ];
    } finally {
      client.disconnect();
    }
  },
};
