// The GGUF every tokens/s row of bench/service decodes: a seeded ≈ 58M-parameter F16 llama model
// (compute-bound like a real one, unlike the tiny demo model), written once into the bench cache
// so the service, the runtime container and llama-server all load the same file.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomLlamaModel } from '../../gguf/llama-model.js';

export const BENCH_SHAPE = { embedding: 640, layers: 12, feedForward: 1728, heads: 10, contextLength: 2048 };
export const BENCH_PARAMS = BENCH_SHAPE.layers * (4 * BENCH_SHAPE.embedding ** 2 + 3 * BENCH_SHAPE.embedding * BENCH_SHAPE.feedForward);

/** The bench cache: $SMARTBOT_CACHE, or ~/.cache/smartbot (bench/llama-server.sh uses the same). */
export const benchCacheDir = () => process.env.SMARTBOT_CACHE ?? join(homedir(), '.cache', 'smartbot');

/** The path of the seeded 58M F16 model, written on first use (≈ 120 MB). */
export function benchModel(): string {
  const dir = join(benchCacheDir(), 'models');
  const file = join(dir, 'random-58m-f16.gguf');
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, randomLlamaModel({ seed: 58, shape: BENCH_SHAPE, f16: true }));
  renameSync(tmp, file);
  return file;
}
