// bench/inference: tokens/s of node-llama-cpp on a seeded ≈ 58M-parameter F16 llama model,
// by thread count, sequence count and libuv pool size — the figures behind the service's
// defaults (UV_THREADPOOL_SIZE=1, threads = CPU limit). Figures, not a test.
// Usage: npm run bench:inference [-- --tokens 128 --seconds 20]
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { BENCH_PARAMS, benchModel } from './service/model.js';

const { values } = parseArgs({ options: { tokens: { type: 'string', default: '128' }, seconds: { type: 'string', default: '20' }, runs: { type: 'string', default: '3' } } });
process.stdout.write(`the seeded ${(BENCH_PARAMS / 1e6).toFixed(0)}M-parameter F16 model… `);
const file = benchModel();
console.log(file);

const worker = fileURLToPath(new URL('./inference-worker.js', import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const configs: { pool: string; threads: number; sequences: number }[] = [
  { pool: 'default (4)', threads: 2, sequences: 1 },
  { pool: '1', threads: 1, sequences: 1 },
  { pool: '1', threads: 2, sequences: 1 },
  { pool: '1', threads: 1, sequences: 4 },
  { pool: '1', threads: 2, sequences: 4 },
];
console.log(`\nnode-llama-cpp on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; up to ${values.tokens} tokens per sequence or ${values.seconds} s; median of ${values.runs} runs\n`);
console.log('| UV_THREADPOOL_SIZE | threads | sequences | tokens/s (all sequences) | load ms |');
console.log('|---|---:|---:|---:|---:|');
for (const c of configs) {
  const rates: number[] = [];
  let load = 0;
  for (let r = 0; r < Number(values.runs); r++) {
    const env = { ...process.env };
    if (c.pool.startsWith('default')) delete env.UV_THREADPOOL_SIZE;
    else env.UV_THREADPOOL_SIZE = c.pool;
    const out = spawnSync(process.execPath, [worker, file, String(c.threads), String(c.sequences), values.tokens!, values.seconds!], { env, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`worker failed: ${out.stderr}`);
    const m = JSON.parse(out.stdout.trim().split('\n').at(-1)!);
    rates.push(m.tokensPerSecond);
    load = m.loadMs;
  }
  console.log(`| ${c.pool} | ${c.threads} | ${c.sequences} | ${median(rates).toFixed(1)} | ${load} |`);
}
