// Model: does the model load for real in node-llama-cpp, with the service's threads, context and
// sequences, and how long does it take? Skipped when the file checks already failed.
import { ok, problem, skip, type Check, type Finding } from './check.js';
import { llamaProbe } from './llama.js';
import { modelFile, modelFileUsable } from './model-file.js';
import { localModels, type Named } from './models.js';
import type { LocalServedModel } from '../../contract/models.js';

const section = 'Model';

export const modelLoad: Check = {
  section,
  async run(ctx) {
    const local = localModels(ctx);
    if (!local.length) return [skip(section, 'model-load', 'remote model: nothing to load here')];
    const findings: Finding[] = [];
    // One after another: each load takes the model's memory and the CPUs for a while.
    for (const n of local) findings.push(await loadFinding(ctx, n));
    return findings;
  },
};

async function loadFinding(ctx: Parameters<Check['run']>[0], { model, field, label }: Named<LocalServedModel>): Promise<Finding> {
  if (!modelFileUsable(await modelFile(ctx, model), model)) return skip(section, 'model-load', `${label}load not tried: the model file has the problems above`);
  const r = await llamaProbe(ctx, model);
  const how = `${r.request.threads} threads, UV_THREADPOOL_SIZE=1, context ${r.request.contextSize} × ${r.request.sequences} sequences${r.request.gpuLayers ? `, ${r.request.gpuLayers} GPU layers` : ''}`;
  if (r.load) return ok(section, 'model-load', `${label}loads for real in node-llama-cpp in ${r.load.ms} ms (${how})`);
  if (r.error?.stage === 'binary' || r.crashed) return skip(section, 'model-load', `${label}load not tried: node-llama-cpp itself does not load (see Runtime)`);
  const message = `${r.error?.message ?? 'unknown error'}${r.llamaError ? ` (llama.cpp: ${r.llamaError})` : ''}`;
  const outOfMemory = /out of memory|alloc/i.test(message);
  return problem(section, 'model-load', `${label}node-llama-cpp cannot load the model (${how}): ${message}`, {
    why: 'the service fails the same way at start and never becomes ready',
    fix: outOfMemory
      ? `Lower \`${field}.gpuLayers\` (CUDA out of memory: the offloaded layers and KV cache do not fit the GPU) or \`${field}.contextSize\` in ${ctx.envFile}.`
      : 'Download the model again; if the error persists, the model may need a newer llama.cpp than node-llama-cpp ships.',
  });
}
