// The model checks' failures: a missing file, and a model that does not fit the memory limit.
import { describe, expect, it } from 'vitest';
import { doctorRepo } from '../../test/helpers/doctor.js';
import { modelFileCheck } from './model-file.js';

describe('doctor: the model file', () => {
  it('a missing demo model says npm start makes it', async () => {
    const repo = doctorRepo(undefined, 'none');
    const [f] = await modelFileCheck.run(repo.ctx());
    expect(f).toEqual({
      section: 'Model',
      check: 'model-present',
      status: 'problem',
      summary: expect.stringMatching(/^model file .*models\/demo\.gguf is missing \(model\.path \/data\/models\/demo\.gguf is looked up by name in .*models\/\)$/),
      why: 'the service verifies and loads the model at start; without the file it exits with "cannot read model … no such file" and never becomes ready',
      fix: '`npm start` makes the built-in demo model there on its first run (or copy models/demo.gguf from a checkout that has it).',
    });
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
