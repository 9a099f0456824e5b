// Model: which build of llama.cpp's CPU backend the in-process engine (npm start) will run —
// the one compiled on this machine where there is one, else node-llama-cpp's prebuilt one
// (service/src/engine/cpu-backend.ts) — or that SMARTBOT_CPU_BACKEND names one it cannot use.
import { bestVariant, describeVariant } from '../../contract/cpu-variants.js';
import { UserError } from '../../contract/run-main.js';
import { planCpuBackend } from '../../service/src/engine/cpu-backend.js';
import { ok, problem, skip, type Check } from './check.js';
import { localModels } from './models.js';

const section = 'Model';

export const cpuBackend: Check = {
  section,
  async run(ctx) {
    const local = localModels(ctx);
    if (!local.length) return [skip(section, 'cpu-backend', 'remote models only: nothing decodes in-process')];
    if (local.every(({ model }) => (model.gpuLayers ?? 0) > 0)) return [skip(section, 'cpu-backend', "every local model has GPU layers: node-llama-cpp's GPU build loads its own backends")];
    let plan;
    try {
      plan = planCpuBackend(ctx.host.env);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      return [
        problem(section, 'cpu-backend', e.message, {
          why: 'the service refuses to load its local models with it: `npm start` stops with this line',
          fix: 'Unset SMARTBOT_CPU_BACKEND (or set it to prebuilt), or point it at the cpu/ directory of the build `bash bench/llama-server.sh --portable` makes.',
        }),
      ];
    }
    if (plan.use === 'prebuilt') return [ok(section, 'cpu-backend', `the in-process engine runs node-llama-cpp's prebuilt CPU backend: ${plan.why}`)];
    const best = bestVariant(ctx.host.cpuFlags);
    return [ok(section, 'cpu-backend', `the in-process engine runs llama.cpp's CPU backend compiled on this machine, from ${plan.dir}${best ? ` (its ${describeVariant(best)} variant on this CPU)` : ''}`)];
  },
};
