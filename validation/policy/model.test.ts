// The capacity pre-flight and digest check when the model file is present: sizes come from
// the GGUF header (weights and the KV cache for contextSize × parallelSequences).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes, modelShape, readGgufHeader } from '../../gguf/read.js';
import { randomLlamaModel } from '../../gguf/llama-model.js';
import { validateText } from '../../test/helpers/env.js';
import { tempDir } from '../../test/helpers/temp.js';

const shape = { embedding: 256, layers: 4, feedForward: 512, heads: 4, contextLength: 8192 };
const model = randomLlamaModel({ seed: 7, shape, f16: true });
const sha = createHash('sha256').update(model).digest('hex');
const modelsDir = tempDir('smartbot-models-');
writeFileSync(join(modelsDir, 'm.gguf'), model);

const env = (extra: { contextSize?: number; sha?: string; memory?: string; sequences?: number } = {}) => `tier: base
model:
  source: local
  path: /data/models/m.gguf
  format: gguf
  sha256: ${extra.sha ?? sha}
  contextSize: ${extra.contextSize ?? 2048}
inference:
  parallelSequences: ${extra.sequences ?? 4}
resources:
  memory: ${extra.memory ?? '1Gi'}
security:
  keyring: {file: keyrings/dev.json}
sync:
  namespace: test
`;
const lines = (text: string, dir = modelsDir) => validateText(text, 'test-env', { modelsDir: dir }).diagnostics.map((d) => `${d.line}:${d.col} ${d.rule} ${d.message}`);

describe('GGUF header', () => {
  it('reads back what the writer wrote', () => {
    const h = readGgufHeader(join(modelsDir, 'm.gguf'));
    expect(h.fileSize).toBe(model.length);
    expect(modelShape(h)).toEqual({ architecture: 'llama', layers: 4, embedding: 256, heads: 4, headsKv: 4, contextLength: 8192 });
    expect(h.tensors.map((t) => t.name).slice(0, 3)).toEqual(['token_embd.weight', 'output_norm.weight', 'output.weight']);
  });
  it('sizes the KV cache as 2 × layers × tokens × kv width × 2 bytes', () => {
    expect(kvCacheBytes({ architecture: 'llama', layers: 4, embedding: 256, heads: 4, headsKv: 4, contextLength: 0 }, 1000)).toBe(2 * 4 * 1000 * 256 * 2);
  });
});

describe('capacity pre-flight with the model file present', () => {
  it('passes when weights and KV cache fit', () => {
    expect(lines(env())).toEqual([]);
  });

  it('fails with the numbers and what to lower when the KV cache does not fit', () => {
    // 4 layers × 256 wide × 2 × 2 bytes = 4 KiB per token; 65536 tokens × 4 sequences = 1 GiB of KV cache.
    expect(lines(env({ contextSize: 65536 }))).toEqual([
      `7:16 capacity model needs 1.19 GiB but the usable memory is 921.6 MiB (weights ${(model.length / 2 ** 20).toFixed(1)} MiB + KV cache 1.00 GiB for 65536 tokens × 4 sequences + overhead 192.0 MiB; limit 1Gi less 10% headroom)`,
    ]);
    const d = validateText(env({ contextSize: 65536 }), 'test-env', { modelsDir }).diagnostics[0]!;
    // The largest context that fits (a multiple of 256), the most sequences that fit, or the limit that fits.
    expect(d.fix).toBe('Lower model.contextSize to at most 46336, or lower inference.parallelSequences to at most 2, or raise resources.memory to at least 1.33 GiB.');
  });

  it('counts parallel sequences', () => {
    expect(lines(env({ contextSize: 16384, sequences: 1 }))).toEqual([]);
    expect(lines(env({ contextSize: 16384, sequences: 16 }))[0]).toMatch(/^7:16 capacity .*KV cache 1.00 GiB for 16384 tokens × 16 sequences/);
  });

  it('reports a digest mismatch as a corrupt model file', () => {
    expect(lines(env({ sha: 'a'.repeat(64) }))).toEqual([
      `6:11 model-sha256 model file corrupt: expected ${'a'.repeat(64)} got ${sha} (${join(modelsDir, 'm.gguf')})`,
    ]);
  });

  it('reports a present file that is not GGUF', () => {
    const dir = tempDir('smartbot-models-');
    writeFileSync(join(dir, 'm.gguf'), 'this is not a model');
    expect(lines(env(), dir)).toEqual([`4:9 model-unreadable model file ${join(dir, 'm.gguf')} is not readable GGUF: not a GGUF file (bad magic)`]);
  });

  it('reports a truncated GGUF file', () => {
    const dir = tempDir('smartbot-models-');
    writeFileSync(join(dir, 'm.gguf'), model.subarray(0, 5000));
    expect(lines(env(), dir)[0]).toMatch(/^4:9 model-unreadable model file .* is not readable GGUF: (truncated|tensor) /);
  });

  it('needs sizeBytes when the file is absent', () => {
    const empty = tempDir('smartbot-models-');
    mkdirSync(empty, { recursive: true });
    expect(lines(env(), empty)).toEqual(['2:1 model-size-unknown cannot size model /data/models/m.gguf: the file is not present and `model.sizeBytes` is not set']);
  });
});
