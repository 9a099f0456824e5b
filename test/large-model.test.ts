// A model file over 2 GiB (a sparse file behind a valid GGUF header: a 7B model's size without
// its disk cost) through all three callers of the GGUF library's pre-flight: `smartbot validate`,
// the runtime's pre-flight and model_loader. Each gives a verdict (fits, does not fit with the right
// advice, or sha256 mismatch), never an internal error; validate hashes it once per run.
import { closeSync, cpSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { sha256File } from '../gguf/inspect.js';
import { preflight as verify } from '../gguf/preflight.js';
import { modelLoader } from '../service/src/entries/model-loader.js';
import { repoRoot } from './helpers/env.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';

// Counts the hashes validate makes, without changing what it does.
const hashed = vi.hoisted(() => ({ count: 0 }));
vi.mock('../gguf/inspect.js', async (original) => {
  const actual = await original<typeof import('../gguf/inspect.js')>();
  return { ...actual, inspectModelSync: (path: string) => (hashed.count++, actual.inspectModelSync(path)) };
});

const SIZE = 3 * 2 ** 30;
const dir = tempDir('smartbot-3g-');
const modelsDir = join(dir, 'models');
const file = join(modelsDir, 'big.gguf');
// The header of a 32-layer, 4096-wide model with 8 KV heads: 128 KiB of KV cache per token.
writeFileSync(join(dir, 'header.gguf'), readFileSync(join(repoRoot, 'test/fixtures/models/header-only.gguf')));
{
  mkdirSync(modelsDir);
  writeFileSync(file, readFileSync(join(dir, 'header.gguf')));
  const fd = openSync(file, 'r+');
  ftruncateSync(fd, SIZE);
  closeSync(fd);
}
const sha = await sha256File(file);
afterAll(() => writeFileSync(file, '')); // give the (sparse) space back at once

const env = (o: { contextSize: number; sha?: string }) => `tier: base
model:
  source: local
  path: /data/models/big.gguf
  format: gguf
  sha256: "${o.sha ?? sha}"
  contextSize: ${o.contextSize}
inference:
  parallelSequences: 1
security:
  keyring: {file: keyrings/dev.json}
sync:
  namespace: test
`;

function repoWith(envs: Record<string, string>): string {
  const root = mkdtempSync(join(dir, 'repo-'));
  cpSync(join(repoRoot, 'environments/tiers'), join(root, 'environments/tiers'), { recursive: true });
  cpSync(join(repoRoot, 'keyrings'), join(root, 'keyrings'), { recursive: true });
  mkdirSync(join(root, 'environments'), { recursive: true });
  for (const [name, text] of Object.entries(envs)) writeFileSync(join(root, 'environments', `${name}.yaml`), text);
  return root;
}

// Each case hashes 3 GiB up to three times (≈ 2 s each on an idle 2-core machine): give them room.
describe('a 3 GiB model file', { timeout: 120_000 }, () => {
  it('smartbot validate: fits (exit 0), hashing the file once for two environments', async () => {
    hashed.count = 0;
    const root = repoWith({ a: env({ contextSize: 2048 }), b: env({ contextSize: 1024 }) });
    const r = await runCli('validate', '--root', root, '--models-dir', modelsDir);
    expect(r.err).toBe('');
    expect(r.out).toBe('✔ 2 environments valid\n');
    expect(r.code).toBe(0);
    expect(hashed.count).toBe(1);
  });

  it('smartbot validate: does not fit (exit 1), located, with the context that would fit', async () => {
    const root = repoWith({ a: env({ contextSize: 8192 }) });
    const r = await runCli('validate', '--root', root, '--models-dir', modelsDir, '--format', 'json');
    expect(r.code).toBe(1);
    const d = JSON.parse(r.out).diagnostics;
    expect(d.map((x: { line: number; col: number; rule: string; message: string; fix: string }) => [x.line, x.col, x.rule, x.message, x.fix])).toEqual([
      [7, 16, 'capacity', 'model needs 4.19 GiB but the usable memory is 3.60 GiB (weights 3.00 GiB + KV cache 1.00 GiB for 8192 tokens × 1 sequence + overhead 192.0 MiB; limit 4Gi less 10% headroom)', 'Lower model.contextSize to at most 3328, or raise resources.memory to at least 4.65 GiB.'],
    ]);
  });

  it('smartbot validate: a sha256 mismatch (exit 1)', async () => {
    const root = repoWith({ a: env({ contextSize: 2048, sha: '0'.repeat(64) }) });
    const r = await runCli('validate', '--root', root, '--models-dir', modelsDir, '--format', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).diagnostics.map((x: { rule: string; message: string }) => `${x.rule}: ${x.message}`)).toEqual([`model-sha256: model file corrupt: expected ${'0'.repeat(64)} got ${sha} (${file})`]);
  });

  const model = { source: 'local' as const, path: '/data/models/big.gguf', format: 'gguf' as const, sha256: sha, contextSize: 2048 };
  /** The runtime's pre-flight of this one model, one sequence, `gib` of memory. */
  const preflight = (path: string, m: typeof model, gib: number) => verify([{ id: 'big', path, sha256: m.sha256, contextSize: m.contextSize, contextKnob: 'model.contextSize' }], 1, gib * 2 ** 30);

  it('the runtime pre-flight: verified and fitting, or refused with the right advice', async () => {
    const ok = await preflight(file, model, 4);
    expect(ok.fit.fits).toBe(true);
    expect(ok.files[0]!.shape).toMatchObject({ layers: 32, embedding: 4096, headsKv: 8 });
    await expect(preflight(file, { ...model, contextSize: 8192 }, 4)).rejects.toThrow(
      'model does not fit: it needs 4.19 GiB (weights 3.00 GiB + KV cache 1.00 GiB for 8192 tokens × 1 sequence + overhead 192.0 MiB) but only 3.60 GiB of the 4.00 GiB limit is usable. Lower model.contextSize to at most 3328, or raise resources.memory to at least 4.65 GiB.',
    );
    await expect(preflight(file, { ...model, sha256: '0'.repeat(64) }, 4)).rejects.toThrow(`model file corrupt: expected ${'0'.repeat(64)} got ${sha} (${file})`);
  });

  it('model_loader: registers it (exit 0), or refuses it with the right advice (exit 1)', async () => {
    let out = '';
    expect(await modelLoader(['--path', file, '--memory', String(4 * 2 ** 30)], (s) => (out += s))).toBe(0);
    expect(out).toContain(`sha256     ${sha}\n`);
    expect(out).toContain('memory     needs 3.44 GiB (weights 3.00 GiB + KV cache 256.0 MiB for 2048 tokens × 1 sequence + overhead 192.0 MiB); usable 3.60 GiB of 4.00 GiB\n');
    expect(out).toContain(`registered big in ${join(modelsDir, 'registry.json')}\n`);
    out = '';
    expect(await modelLoader(['--path', file, '--memory', String(3 * 2 ** 30)], (s) => (out += s))).toBe(1);
    expect(out.split('\n').at(-2)).toBe('model_loader: refused: the model does not fit. The weights and the engine overhead alone need 3.19 GiB: use a smaller (more quantised) model, or raise the memory limit (--memory) to at least 3.82 GiB.');
  });
});
