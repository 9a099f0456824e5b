// The model checks' failures: a missing file, and a model that does not fit the memory limit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSecondDemoModel, SECOND_DEMO_MODEL_FILE } from '../../gguf/demo-model.js';
import { doctorRepo } from '../../test/helpers/doctor.js';
import { repoRoot } from '../../test/helpers/env.js';
import { modelFileCheck, removeDemoCopies } from './model-file.js';

// The check alone, without runDoctor, which removes the demo model's copy after a run.
afterAll(removeDemoCopies);

describe('doctor: the model file', () => {
  it('a missing model file is a problem, with where it is looked for and how to get it', async () => {
    const repo = doctorRepo((y) => y.replace('/data/models/demo.gguf', '/data/models/llama-7b.gguf'), 'none');
    const [f] = await modelFileCheck.run(repo.ctx());
    expect(f).toEqual({
      section: 'Model',
      check: 'model-present',
      status: 'problem',
      summary: expect.stringMatching(/^model file .*models\/llama-7b\.gguf is missing \(model\.path \/data\/models\/llama-7b\.gguf is looked up by name in .*models\/\)$/),
      why: 'the service verifies and loads the model at start; without the file it exits with "cannot read model … no such file" and never becomes ready',
      fix: expect.stringMatching(/^Copy the model to .*models\/llama-7b\.gguf \(in a cluster it lives on the models volume as \/data\/models\/llama-7b\.gguf\)\.$/),
    });
  });

  it('on a fresh clone the demo model is not made yet: what npm start will write is checked instead', async () => {
    const repo = doctorRepo(undefined, 'none');
    const all = await modelFileCheck.run(repo.ctx());
    expect(all.map((f) => `${f.status} ${f.check}`)).toEqual(['ok model-present', 'ok model-sha256', 'ok model-header', 'ok model-fit']);
    expect(all[0]!.summary).toMatch(/models\/demo\.gguf is not made yet: `npm start` makes the built-in demo model there \(268\.0 KiB\); the checks below use the bytes it will write$/);
  });

  it('a model whose sha256 is not the demo model’s is missing, not made by npm start', async () => {
    const repo = doctorRepo((y) => y.replace(/sha256: [0-9a-f]{64}/, `sha256: ${'a'.repeat(64)}`), 'none');
    expect((await modelFileCheck.run(repo.ctx()))[0]).toMatchObject({ status: 'problem', fix: expect.stringMatching(/^Copy the model to /) });
  });

  it('a model that does not fit the memory limit gets the capacity report and what to change', async () => {
    // Without model.sizeBytes validate leaves the fit to doctor, which reads it from the file.
    const repo = doctorRepo((y) => `${y.replace(/ {2}sizeBytes: \d+\n/, '').replace('contextSize: 2048', 'contextSize: 4096').replace('  defaultTemperature: 0', '  defaultTemperature: 0\n  parallelSequences: 64')}resources: {memory: 256Mi}\n`);
    const fit = (await modelFileCheck.run(repo.ctx())).find((f) => f.check === 'model-fit')!;
    expect(fit.status).toBe('problem');
    expect(fit.summary).toBe(
      'does not fit the memory limit: needs 256.3 MiB (weights 268.0 KiB + KV cache 64.0 MiB for 4096 tokens × 64 sequences + overhead 192.0 MiB) of 230.4 MiB usable (resources.memory 256Mi less 10% headroom)',
    );
    expect(fit.fix).toBe(`Lower model.contextSize to at most 2304, or lower inference.parallelSequences to at most 38, or raise resources.memory to at least 284.7 MiB in ${repo.root}/environments/dev.yaml.`);
  });

  it('several models: each local file is checked under its id, then their fit together', async () => {
    const repo = doctorRepo(() => readFileSync(join(repoRoot, 'environments/multi.yaml'), 'utf8'));
    const lines = async () => (await modelFileCheck.run(repo.ctx())).map((f) => `${f.status} ${f.check} ${f.summary.replace(/\S*smartbot-repo-\w+\/repo\/models\//g, 'models/')}`);
    const small = [
      'ok model-present small: models/demo.gguf is present (268.0 KiB)',
      "ok model-sha256 small: sha256 matches models[0].sha256 (c4fbda93ff47…); the deployment guide's MD5 check is this sha256 check in smartbot",
      'ok model-header small: GGUF header readable: llama, 1 layer, 12 tensors, trained context 4096',
    ];
    expect(await lines()).toEqual([
      ...small,
      'problem model-present large: model file models/demo-second.gguf is missing (models[1].path /data/models/demo-second.gguf is looked up by name in models/)',
      'skip model-fit memory fit not checked: it needs every local model present with a readable header',
    ]);
    repo.write(`models/${SECOND_DEMO_MODEL_FILE}`, buildSecondDemoModel());
    expect((await lines()).slice(3)).toEqual([
      'ok model-present large: models/demo-second.gguf is present (267.5 KiB)',
      "ok model-sha256 large: sha256 matches models[1].sha256 (71aaac39545d…); the deployment guide's MD5 check is this sha256 check in smartbot",
      'ok model-header large: GGUF header readable: llama, 1 layer, 12 tensors, trained context 4096',
      'ok model-fit the 2 local models together fit the memory limit: needs 390.5 MiB (small: weights 268.0 KiB + KV cache 2.0 MiB for 2048 tokens × 4 sequences + overhead 192.0 MiB; large: weights 267.5 KiB + KV cache 4.0 MiB for 4096 tokens × 4 sequences + overhead 192.0 MiB) of 3.60 GiB usable (resources.memory 4Gi less 10% headroom)',
    ]);
  });
});
