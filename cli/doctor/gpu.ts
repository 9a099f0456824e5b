// Model: GPU layers requested, and a GPU visible? The guide's "CUDA out of memory" row starts
// here: layers offloaded to a GPU that is not there run on the CPU instead.
import { ok, problem, skip, type Check, type Finding } from './check.js';
import { localModels } from './models.js';

const section = 'Model';

export const gpu: Check = {
  section,
  async run(ctx) {
    const local = localModels(ctx);
    if (!local.length) return [skip(section, 'gpu', 'remote model: no local GPU used')];
    return local.map(({ model, field, label }): Finding => {
      const layers = model.gpuLayers ?? 0;
      const devices = ctx.host.gpuDevices;
      if (layers === 0) return ok(section, 'gpu', `${label}no GPU layers requested (${field}.gpuLayers 0): inference runs on the CPU${devices.length ? `; a GPU is visible (${devices.join(', ')}) if you want to offload layers` : ''}`);
      if (devices.length) return ok(section, 'gpu', `${label}${field}.gpuLayers ${layers}, and a GPU is visible: ${devices.join(', ')}`);
      return problem(section, 'gpu', `${label}${field}.gpuLayers is ${layers}, but no GPU is visible here (no /dev/nvidia*, no /dev/dri/renderD*)`, {
        why: 'node-llama-cpp then runs every layer on the CPU, far slower than planned; in the cluster the rendered Deployment requests nvidia.com/gpu and stays Pending on nodes without one',
        fix: `Run on a host with a GPU and its driver (NVIDIA: \`nvidia-smi\` lists it; in a container, start it with \`--gpus all\`), or set \`${field}.gpuLayers: 0\` in ${ctx.envFile}.`,
      });
    });
  },
};
