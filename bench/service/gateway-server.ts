// A server under test for bench/service's gateway and memory sections, run as its own process so
// the bench can pin it to one core (`taskset -c 0 node dist/bench/service/gateway-server.js MODE`):
//   bare      fastify 5 alone: POST /v1/chat/completions with a SHA-256 + timingSafeEqual bearer
//             check answering a canned ≈ 550-byte chat.completion, and GET /hello.
//   smartbot  the real service (startService) from prod's rendered config, in-process demo
//             model, Redis cache at $BENCH_REDIS_URL, keyring $BENCH_KEYRING; its log lines go
//             to stdout, where production writes them.
// The bearer key is $BENCH_KEY. The port goes to the parent over IPC; on "stop" the server
// closes and the process exits 0 (so `--cpu-prof` writes its profile); on "memory" it answers
// process.memoryUsage(), on "gc" the same after a full collection (when started with --expose-gc).
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { parse } from 'yaml';
import type { ServiceConfig } from '../../contract/service-config.js';
import { startService } from '../../service/src/service.js';

/** A chat.completion as the service answers one, ≈ 550 bytes serialised. */
export const CANNED_COMPLETION = {
  id: 'chatcmpl-0123456789abcdef01234567',
  object: 'chat.completion',
  created: 1764201600,
  model: 'demo',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: '你好!我是 smartbot,一个在你自己的服务器上运行的聊天助手。我可以回答问题、总结文字、帮你写代码。The model runs locally through llama.cpp, so nothing leaves the machine.', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 64, total_tokens: 76 },
};

async function bare(key: string): Promise<{ port: number; close: () => Promise<void> }> {
  const want = createHash('sha256').update(key).digest();
  const app = Fastify({ logger: false });
  app.post('/v1/chat/completions', async (req, reply) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m || !timingSafeEqual(createHash('sha256').update(m[1]!).digest(), want)) return reply.code(401).send({ error: { message: 'invalid key' } });
    return CANNED_COMPLETION;
  });
  app.get('/hello', async () => ({ hello: 'world' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { port: (app.server.address() as { port: number }).port, close: () => app.close() };
}

/** prod's service config as rendered into its ConfigMap, on loopback with the demo model and a local Redis. */
function benchConfig(): ServiceConfig {
  const cm = parse(readFileSync(join(process.cwd(), 'rendered/prod/kubernetes/configmap.yaml'), 'utf8'));
  const prod = JSON.parse(cm.data['runtime.json']) as ServiceConfig;
  return {
    ...prod,
    listen: { host: '127.0.0.1', port: 0, adminPort: 0 },
    // One decoding thread: the server is pinned to one core (spinning threads collapse there).
    threads: 1,
    model: { ...prod.model, path: process.env.BENCH_MODEL!, threads: 1 },
    auth: { keyringFile: process.env.BENCH_KEYRING! },
    cache: { redis: { ...prod.cache.redis, url: process.env.BENCH_REDIS_URL! } },
  } as ServiceConfig;
}

async function smartbot(): Promise<{ port: number; close: () => Promise<void> }> {
  const service = await startService(benchConfig(), { localInference: 'in-process', onLoadError: (e) => { process.stderr.write(`model refused: ${e.message}\n`); process.exit(1); } });
  await service.loaded;
  await service.deps.cache?.ready();
  return { port: (service.app.server.address() as { port: number }).port, close: () => service.close('stop') };
}

const mode = process.argv[2];
const server = mode === 'bare' ? await bare(process.env.BENCH_KEY!) : mode === 'smartbot' ? await smartbot() : undefined;
if (!server) {
  process.stderr.write(`gateway-server: mode must be bare or smartbot, got ${mode}\n`);
  process.exit(2);
}
process.send!({ port: server.port });
process.on('message', async (m) => {
  // The memory section asks for a full collection (with --expose-gc) to tell garbage from a leak.
  if (m === 'gc') (globalThis as { gc?: () => void }).gc?.();
  if (m === 'memory' || m === 'gc') return void process.send!({ memory: process.memoryUsage() });
  if (m !== 'stop') return;
  await server.close();
  process.disconnect();
  process.exit(0);
});
