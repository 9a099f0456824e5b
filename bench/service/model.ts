// The GGUF every tokens/s row of bench/service decodes: a seeded ≈ 58M-parameter F16 llama model
// (compute-bound like a real one, unlike the tiny demo model), written once into the bench cache
// ($SMARTBOT_CACHE, or ~/.cache/smartbot: contract/llama-build.ts)
// so the service, the runtime container and llama-server all load the same file.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { smartbotCacheDir } from '../../contract/llama-build.js';
import { randomLlamaModel } from '../../gguf/llama-model.js';

export const BENCH_SHAPE = { embedding: 640, layers: 12, feedForward: 1728, heads: 10, contextLength: 2048 };
export const BENCH_PARAMS = BENCH_SHAPE.layers * (4 * BENCH_SHAPE.embedding ** 2 + 3 * BENCH_SHAPE.embedding * BENCH_SHAPE.feedForward);

/** The path of the seeded 58M F16 model, written on first use (≈ 120 MB). */
export function benchModel(): string {
  const dir = join(smartbotCacheDir(), 'models');
  const file = join(dir, 'random-58m-f16.gguf');
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, randomLlamaModel({ seed: 58, shape: BENCH_SHAPE, f16: true }));
  renameSync(tmp, file);
  return file;
}
