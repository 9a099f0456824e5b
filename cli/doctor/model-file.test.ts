// The model checks' failures: a missing file, and a model that does not fit the memory limit.
import { afterAll, describe, expect, it } from 'vitest';
import { doctorRepo } from '../../test/helpers/doctor.js';
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
});
