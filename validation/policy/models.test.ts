// Several models in one environment: the local ones fit the pod together (read from their
// files, the advice names the context of the one whose KV cache is largest), fallbacks are
// valid, and tiers never carry models. The corpus (test/fixtures/invalid/81–92) has one broken
// file per rule; these are the cases a corpus file cannot hold.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { randomLlamaModel } from '../../gguf/llama-model.js';
import { repoRoot, summarize, validateText } from '../../test/helpers/env.js';
import { tempRepo } from '../../test/helpers/repo.js';
import { validateEnvironments } from '../validate.js';

const shape = { embedding: 256, layers: 4, feedForward: 512, heads: 4, contextLength: 8192 };
const model = randomLlamaModel({ seed: 7, shape, f16: true });
const sha = createHash('sha256').update(model).digest('hex');
const modelsDir = mkdtempSync(join(tmpdir(), 'smartbot-models-'));
writeFileSync(join(modelsDir, 'a.gguf'), model);
writeFileSync(join(modelsDir, 'b.gguf'), model);
afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

const local = (id: string, file: string, contextSize: number, fallbacks = '') => `  - id: ${id}
    source: local
    path: /data/models/${file}
    format: gguf
    sha256: ${sha}
    contextSize: ${contextSize}
${fallbacks ? `    fallbacks: [${fallbacks}]\n` : ''}`;
const env = (models: string, memory = '1Gi') => `tier: base
models:
${models}  - id: hosted
    source: remote
    endpoint: https://api.example.com/v1
    model: big
    auth: {type: bearer, secretRef: {name: upstream, key: token}}
    timeoutMs: 20000
    fallbacks: [a]
defaultModel: a
resources:
  memory: ${memory}
security:
  keyring: {file: keyrings/dev.json}
sync:
  namespace: test
`;

describe('several models', () => {
  it('two local models and a remote one falling back to a local one validate', () => {
    expect(summarize(validateText(env(local('a', 'a.gguf', 2048, 'b') + local('b', 'b.gguf', 4096)), 'test-env', { modelsDir }))).toEqual([]);
  });

  it('local models that each fit alone but not together are refused, with one piece of advice naming the larger context', () => {
    const r = validateText(env(local('a', 'a.gguf', 2048) + local('b', 'b.gguf', 8192), '512Mi'), 'test-env', { modelsDir });
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.rule} ${d.message} — ${d.fix}`)).toEqual([
      '14:18 capacity the 2 local models sharing the pod need 554.5 MiB but the usable memory is 460.8 MiB (a: weights 5.3 MiB + KV cache 32.0 MiB for 2048 tokens × 4 sequences + overhead 192.0 MiB; b: weights 5.3 MiB + KV cache 128.0 MiB for 8192 tokens × 4 sequences + overhead 192.0 MiB; limit 512Mi less 10% headroom) — Lower models[1].contextSize to at most 2048, or lower inference.parallelSequences to at most 1, or raise resources.memory to at least 616.2 MiB.',
    ]);
    // Each alone needs under 360 MiB; the weights and overheads of both need more.
    const weightsAlone = validateText(env(local('a', 'a.gguf', 2048) + local('b', 'b.gguf', 8192), '400Mi'), 'test-env', { modelsDir });
    expect(weightsAlone.diagnostics.map((d) => d.fix)).toEqual(['The weights and the engine overhead of the 2 models alone need 394.5 MiB: use smaller (more quantised) models, or raise resources.memory to at least 616.2 MiB.']);
  });
});

describe('tiers never hold models', () => {
  it('a tier setting model is reported in the tier file, once, and left out of every environment', () => {
    const repo = tempRepo(['dev', 'staging']);
    const base = readFileSync(join(repoRoot, 'environments/tiers/base.yaml'), 'utf8');
    const tier = repo.write('environments/tiers/base.yaml', `# base\nmodel:\n  source: local\n  path: /data/models/demo.gguf\n${base}`);
    const r = validateEnvironments({ root: repo.root, readModelFiles: false });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line}:${d.col} ${d.rule} ${d.message} — ${d.fix}`)).toEqual([
      `${tier}:2:1 tier-model the base tier sets \`model\`, but models belong to each environment, never to a tier — Remove \`model\` from environments/tiers/base.yaml and set it in each environment file that needs it.`,
    ]);
    // staging's own remote model stands alone: nothing of the tier's local one merged into it.
    expect(r.environments.find((e) => e.name === 'staging')!.config!.model).not.toHaveProperty('path');
    rmSync(dirname(repo.root), { recursive: true, force: true }); // the repository and its "outside" sibling
  });
});
