// bench/smoke-load: the overhead of `smartbot smoke`'s load generator (cli/smoke/load.ts), so
// its figures describe the service, not the tester. Bare fastify on loopback answers every
// request with a short chat stream like the service's (role chunk, 3 tokens, finish, [DONE]),
// from a child process on its own core; the generator runs here, pinned to one core (taskset,
// when present). Target: ≥ 10k requests/s from one core. autocannon, a load tester that does
// not read the streams, runs the same load as a reference for what the server can take.
// Usage: npm run bench:smoke-load [-- --seconds 5 --concurrency 8,32,64 --runs 3]
import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runLoad } from '../cli/smoke/load.js';

const { values } = parseArgs({ options: { serve: { type: 'boolean' }, seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '8,32,64' }, runs: { type: 'string', default: '3' } } });

const chunk = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 0, model: 'demo', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const STREAM = chunk({ role: 'assistant', content: '' }) + ['Hello', ' from', ' bench'].map((t) => chunk({ content: t })).join('') + chunk({}, 'stop') + 'data: [DONE]\n\n';
const BODY = JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: '你好,介绍一下自己' }], temperature: 0.7, max_tokens: 64, stream: true });

async function serve(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  app.post('/v1/chat/completions', async (_req, reply) => reply.header('content-type', 'text/event-stream; charset=utf-8').send(STREAM));
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const hasTaskset = spawnSync('taskset', ['--version']).status === 0 && cpus().length >= 2;

async function startServer(): Promise<{ url: string; stop: () => void }> {
  const self = fileURLToPath(import.meta.url);
  const [cmd, args] = hasTaskset ? ['taskset', ['-c', '1', process.execPath, self, '--serve']] : [process.execPath, [self, '--serve']];
  const child = spawn(cmd, args as string[], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the bench server exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** The part of autocannon's API used here (the package ships no type declarations). */
type Autocannon = (opts: { url: string; method: string; body: string; headers: Record<string, string>; connections: number; duration: number }) => Promise<{ requests: { average: number } }>;

async function autocannonRps(url: string, connections: number, seconds: number): Promise<number> {
  const specifier: string = 'autocannon';
  const { default: autocannon } = (await import(specifier)) as { default: Autocannon };
  const r = await autocannon({ url: `${url}/v1/chat/completions`, method: 'POST', body: BODY, headers: { 'content-type': 'application/json' }, connections, duration: seconds });
  return r.requests.average;
}

async function main(): Promise<void> {
  if (values.serve) return serve();
  const seconds = Number(values.seconds);
  const runs = Number(values.runs);
  if (hasTaskset) spawnSync('taskset', ['-cp', '0', String(process.pid)]);
  const server = await startServer();
  console.log(`smartbot smoke load generator vs bare fastify — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}`);
  console.log(hasTaskset ? 'generator pinned to CPU 0, server to CPU 1 (taskset)\n' : 'no taskset: generator and server share the CPUs\n');
  console.log('| concurrency | req/s | generator CPU (of one core) | req/s per generator core | p50 ms | p99 ms | tokens/s | autocannon req/s |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  try {
    for (const concurrency of values.concurrency.split(',').map(Number)) {
      const rows: { rps: number; cpu: number; perCore: number; p50: number; p99: number; tps: number }[] = [];
      for (let i = 0; i < runs; i++) {
        const before = process.cpuUsage();
        const t0 = performance.now();
        const r = await runLoad({
          url: new URL(`${server.url}/v1/chat/completions`),
          headers: { authorization: 'Bearer sb_bench', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(BODY)) },
          body: BODY,
          durationSeconds: seconds,
          concurrency,
          maxRequests: 1_000_000,
          timeoutSeconds: 10,
        });
        const cpuSeconds = (() => {
          const d = process.cpuUsage(before);
          return (d.user + d.system) / 1e6;
        })();
        const wall = (performance.now() - t0) / 1000;
        if (r.errors) throw new Error(`${r.errors} errors: ${r.errorKinds.join(', ')}`);
        rows.push({ rps: r.requestsPerSecond, cpu: cpuSeconds / wall, perCore: r.requests / cpuSeconds, p50: r.latency!.p50 * 1000, p99: r.latency!.p99 * 1000, tps: r.tokensPerSecond });
      }
      const ac = await autocannonRps(server.url, concurrency, seconds);
      const m = (k: keyof (typeof rows)[number]) => median(rows.map((r) => r[k]));
      console.log(
        `| ${concurrency} | ${Math.round(m('rps')).toLocaleString('en')} | ${(m('cpu') * 100).toFixed(0)} % | ${Math.round(m('perCore')).toLocaleString('en')} | ${m('p50').toFixed(2)} | ${m('p99').toFixed(2)} | ${Math.round(m('tps')).toLocaleString('en')} | ${Math.round(ac).toLocaleString('en')} |`,
      );
    }
  } finally {
    server.stop();
  }
}

await main();
