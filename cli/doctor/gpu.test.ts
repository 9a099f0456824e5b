// GPU layers requested where no GPU is visible.
import { describe, expect, it } from 'vitest';
import { doctorRepo } from '../../test/helpers/doctor.js';
import { gpu } from './gpu.js';

describe('doctor: GPU', () => {
  it('GPU layers without a visible GPU are a problem; with one, fine', async () => {
    const repo = doctorRepo((y) => y.replace('  contextSize: 2048', '  contextSize: 2048\n  gpuLayers: 8'));
    expect(await gpu.run(repo.ctx({ gpuDevices: [] }))).toEqual([
      {
        section: 'Model',
        check: 'gpu',
        status: 'problem',
        summary: 'model.gpuLayers is 8, but no GPU is visible here (no /dev/nvidia*, no /dev/dri/renderD*)',
        why: 'node-llama-cpp then runs every layer on the CPU, far slower than planned; in the cluster the rendered Deployment requests nvidia.com/gpu and stays Pending on nodes without one',
        fix: `Run on a host with a GPU and its driver (NVIDIA: \`nvidia-smi\` lists it; in a container, start it with \`--gpus all\`), or set \`model.gpuLayers: 0\` in ${repo.root}/environments/dev.yaml.`,
      },
    ]);
    expect((await gpu.run(repo.ctx({ gpuDevices: ['/dev/nvidia0'] })))[0]).toMatchObject({ status: 'ok', summary: 'model.gpuLayers 8, and a GPU is visible: /dev/nvidia0' });
  });
});
