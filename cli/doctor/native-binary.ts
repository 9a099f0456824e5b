// Runtime: does node-llama-cpp's native binary load here, and which one (CPU, CUDA, Vulkan)?
// The guide's "dependency mismatch" row for the one native dependency.
import { ok, problem, skip, type Check } from './check.js';
import { binaryName, llamaProbe, nodeLlamaCppVersion } from './llama.js';
import { localModels } from './models.js';

const section = 'Runtime';

export const nativeBinary: Check = {
  section,
  async run(ctx) {
    const version = nodeLlamaCppVersion(ctx.host.packageRoot);
    const first = localModels(ctx)[0];
    if (!first) return [skip(section, 'native-binary', `remote model: node-llama-cpp ${version} is not used by this environment`)];
    const r = await llamaProbe(ctx, first.model);
    const fix = 'Reinstall the dependencies (`npm ci`): node-llama-cpp ships prebuilt binaries for linux-x64 (CPU, CUDA, Vulkan); elsewhere build one with `npx --no node-llama-cpp source build`.';
    const why = 'without it the service (or the runtime container) cannot run local models';
    if (r.crashed) return [problem(section, 'native-binary', `the node-llama-cpp probe failed: ${r.crashed}`, { why, fix })];
    if (!r.binary) return [problem(section, 'native-binary', `node-llama-cpp ${version}: its native binary does not load: ${r.error?.message}`, { why, fix })];
    const b = r.binary;
    const found = `node-llama-cpp ${version} loads its ${binaryName(b.gpu)} binary (${b.buildType}) in ${b.ms} ms${b.devices.length ? ` — ${b.devices.join(', ')}` : ''}`;
    if (r.request.gpuLayers > 0 && b.gpu === false && ctx.host.gpuDevices.length > 0)
      return [
        problem(section, 'native-binary', `${found}, although model.gpuLayers is ${r.request.gpuLayers} and ${ctx.host.gpuDevices.join(', ')} is visible`, {
          why: 'no GPU binary loaded, so every layer runs on the CPU, far slower than planned',
          fix: 'Install or repair the GPU driver and its runtime (NVIDIA: `nvidia-smi` must list the GPU; CUDA binaries need the CUDA runtime; Vulkan needs the Vulkan loader), then run doctor again.',
        }),
      ];
    return [ok(section, 'native-binary', found)];
  },
};
