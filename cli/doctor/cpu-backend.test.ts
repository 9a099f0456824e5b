// Which CPU backend the in-process engine will run: the one compiled here, node-llama-cpp's
// prebuilt one (and why), or a problem where SMARTBOT_CPU_BACKEND names a directory it cannot use.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { portableBuildDir, prebuiltLlama } from '../../contract/llama-build.js';
import { doctorRepo } from '../../test/helpers/doctor.js';
import { tempDir } from '../../test/helpers/temp.js';
import { cpuBackend } from './cpu-backend.js';

const V4 = ['sse4_2', 'avx', 'avx2', 'bmi2', 'fma', 'f16c', 'avx512f', 'avx512cd', 'avx512vl', 'avx512dq', 'avx512bw'];

describe('doctor: CPU backend', () => {
  const repo = doctorRepo();

  it("names the build compiled on this machine where the cache holds one for this node-llama-cpp, else node-llama-cpp's and why", async () => {
    const cache = tempDir('smartbot-doctor-cpu-');
    const cpu = join(portableBuildDir(prebuiltLlama()!, { SMARTBOT_CACHE: cache }), 'cpu');
    expect(await cpuBackend.run(repo.ctx({ env: { SMARTBOT_CACHE: cache }, cpuFlags: new Set(V4) }))).toEqual([
      { section: 'Model', check: 'cpu-backend', status: 'ok', summary: `the in-process engine runs node-llama-cpp's prebuilt CPU backend: no compiled CPU backend in ${cpu} (bench/llama-server.sh --portable compiles one)` },
    ]);
    mkdirSync(cpu, { recursive: true });
    writeFileSync(join(cpu, 'libggml-cpu-skylakex.so'), '');
    expect(await cpuBackend.run(repo.ctx({ env: { SMARTBOT_CACHE: cache }, cpuFlags: new Set(V4) }))).toEqual([
      { section: 'Model', check: 'cpu-backend', status: 'ok', summary: `the in-process engine runs llama.cpp's CPU backend compiled on this machine, from ${cpu} (its x86-64-v4 (AVX-512) variant on this CPU)` },
    ]);
  });

  it('a SMARTBOT_CPU_BACKEND directory without a variant is a problem: the service would stop at start', async () => {
    const empty = tempDir('smartbot-doctor-cpu-empty-');
    expect(await cpuBackend.run(repo.ctx({ env: { SMARTBOT_CPU_BACKEND: empty } }))).toEqual([
      {
        section: 'Model',
        check: 'cpu-backend',
        status: 'problem',
        summary: `SMARTBOT_CPU_BACKEND is ${empty}, but it holds none of libggml-cpu-haswell.so, libggml-cpu-skylakex.so (the cpu/ directory of bench/llama-server.sh --portable's build has them): unset it (or set it to prebuilt)`,
        why: 'the service refuses to load its local models with it: `npm start` stops with this line',
        fix: 'Unset SMARTBOT_CPU_BACKEND (or set it to prebuilt), or point it at the cpu/ directory of the build `bash bench/llama-server.sh --portable` makes.',
      },
    ]);
  });
});
