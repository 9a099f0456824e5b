// A model whose file is intact (sha256 as configured, header readable) but that llama.cpp
// cannot load: the real load, in the child process, says so with llama.cpp's own reason.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDemoModel } from '../../gguf/demo-model.js';
import { readGgufHeader } from '../../gguf/read.js';
import { doctorRepo } from '../../test/helpers/doctor.js';
import { modelLoad } from './model-load.js';
import { tempDir } from '../../test/helpers/temp.js';

describe('doctor: the model load', () => {
  it('an architecture llama.cpp does not know fails the load, with llama.cpp’s reason', async () => {
    // Rename the architecture in the header ("llama" → "llamb", same length): still valid GGUF.
    const model = buildDemoModel();
    const plain = join(tempDir('smartbot-gguf-'), 'demo.gguf');
    writeFileSync(plain, model);
    const headerEnd = readGgufHeader(plain).dataOffset;
    Buffer.from(model.subarray(0, headerEnd).toString('latin1').replace(/llama/g, 'llamb'), 'latin1').copy(model);
    const sha = createHash('sha256').update(model).digest('hex');
    const repo = doctorRepo((y) => y.replace(/sha256: [0-9a-f]{64}/, `sha256: ${sha}`), model);
    const [f] = await modelLoad.run(repo.ctx());
    expect(f).toEqual({
      section: 'Model',
      check: 'model-load',
      status: 'problem',
      summary: "node-llama-cpp cannot load the model (2 threads, UV_THREADPOOL_SIZE=1, context 2048 × 4 sequences): Failed to load model (llama.cpp: llama_model_load: error loading model: unknown model architecture: 'llamb')",
      why: 'the service fails the same way at start and never becomes ready',
      fix: 'Download the model again; if the error persists, the model may need a newer llama.cpp than node-llama-cpp ships.',
    });
  }, 60_000);
});
