// node-llama-cpp's probe cannot run: the finding says so and how to repair the install.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctorRepo } from '../../test/helpers/doctor.js';
import { nativeBinary } from './native-binary.js';
import { tempDir } from '../../test/helpers/temp.js';

describe('doctor: node-llama-cpp native binary', () => {
  it('an install without the toolchain built (or without node-llama-cpp) is a problem with the fix', async () => {
    const install = tempDir('smartbot-install-');
    const [f] = await nativeBinary.run(doctorRepo().ctx({ packageRoot: install }));
    expect(f).toEqual({
      section: 'Runtime',
      check: 'native-binary',
      status: 'problem',
      summary: `the node-llama-cpp probe failed: ${install}/dist/cli/doctor/llama-probe.js is missing: build the toolchain (\`npm run build\`)`,
      why: 'without it the service (or the runtime container) cannot run local models',
      fix: 'Reinstall the dependencies (`npm ci`): node-llama-cpp ships prebuilt binaries for linux-x64 (CPU, CUDA, Vulkan); elsewhere build one with `npx --no node-llama-cpp source build`.',
    });
  });
});
