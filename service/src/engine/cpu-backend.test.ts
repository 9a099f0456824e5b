// Which CPU backend the in-process engine plans to run, from SMARTBOT_CPU_BACKEND and what is
// installed, and how the 'model loaded' line names the one it runs (from the process's memory
// map). That the engine really runs the compiled one, and answers on it: test/service/
// runtime-cpu-variants.test.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp.js';
import { describeCpuBackend, planCpuBackend } from './cpu-backend.js';

const prebuilt = { dir: '/nlc/bins/linux-x64', addon: '/nlc/bins/linux-x64/llama-addon.node', tag: 'v0.4.0', version: '3.21.1' };
const noLocalBuild = () => false;

/** A cache holding bench/llama-server.sh --portable's build for `prebuilt`, with these variants in cpu/. */
function cacheWith(...variants: string[]): { cache: string; cpu: string } {
  const cache = tempDir('smartbot-cpu-backend-');
  const cpu = join(cache, 'llama-server', 'v0.4.0-prebuilt-3.21.1', 'dist', 'cpu');
  mkdirSync(cpu, { recursive: true });
  for (const v of variants) writeFileSync(join(cpu, `libggml-cpu-${v}.so`), '');
  return { cache, cpu };
}

describe('planCpuBackend', () => {
  it("runs the build compiled for this node-llama-cpp's libraries (tag and version) where the cache has it", () => {
    const { cache, cpu } = cacheWith('haswell', 'skylakex');
    expect(planCpuBackend({ SMARTBOT_CACHE: cache }, prebuilt, noLocalBuild)).toEqual({ use: 'compiled', dir: cpu, addon: prebuilt.addon });
  });

  it("leaves it to node-llama-cpp, saying why, where there is no build, the build is for other libraries, or it is asked to", () => {
    const { cache } = cacheWith();
    const cpu = join(cache, 'llama-server', 'v0.4.0-prebuilt-3.21.1', 'dist', 'cpu');
    expect(planCpuBackend({ SMARTBOT_CACHE: cache }, prebuilt, noLocalBuild)).toEqual({ use: 'prebuilt', why: `no compiled CPU backend in ${cpu} (bench/llama-server.sh --portable compiles one)` });
    // A build for another prebuilt version is never picked up: it links other libraries.
    const other = cacheWith('skylakex');
    expect(planCpuBackend({ SMARTBOT_CACHE: other.cache }, { ...prebuilt, version: '3.22.0' }, noLocalBuild)).toMatchObject({ use: 'prebuilt' });
    expect(planCpuBackend({ SMARTBOT_CACHE: other.cache, SMARTBOT_CPU_BACKEND: 'prebuilt' }, prebuilt, noLocalBuild)).toEqual({ use: 'prebuilt', why: 'SMARTBOT_CPU_BACKEND=prebuilt' });
    expect(planCpuBackend({ SMARTBOT_CACHE: other.cache }, null, noLocalBuild)).toEqual({ use: 'prebuilt', why: 'not linux-x64' });
    expect(planCpuBackend({ SMARTBOT_CACHE: other.cache }, prebuilt, () => true)).toEqual({ use: 'prebuilt', why: "node-llama-cpp's local build" });
  });

  it('runs the variants of a directory it is given, and refuses one it cannot use, saying how to fix it', () => {
    const { cpu } = cacheWith('haswell');
    expect(planCpuBackend({ SMARTBOT_CPU_BACKEND: cpu }, prebuilt, noLocalBuild)).toEqual({ use: 'compiled', dir: cpu, addon: prebuilt.addon });
    const empty = tempDir('smartbot-cpu-backend-empty-');
    expect(() => planCpuBackend({ SMARTBOT_CPU_BACKEND: empty }, prebuilt, noLocalBuild)).toThrow(
      `SMARTBOT_CPU_BACKEND is ${empty}, but it holds none of libggml-cpu-haswell.so, libggml-cpu-skylakex.so (the cpu/ directory of bench/llama-server.sh --portable's build has them): unset it (or set it to prebuilt)`,
    );
    expect(() => planCpuBackend({ SMARTBOT_CPU_BACKEND: cpu }, null, noLocalBuild)).toThrow(
      `SMARTBOT_CPU_BACKEND is ${cpu}, but node-llama-cpp's prebuilt linux-x64 libraries are not installed: unset it (or set it to prebuilt)`,
    );
    expect(() => planCpuBackend({ SMARTBOT_CPU_BACKEND: cpu }, prebuilt, () => true)).toThrow(
      `SMARTBOT_CPU_BACKEND is ${cpu}, but node-llama-cpp runs its own local build, which loads its own CPU backend: unset it (or set it to prebuilt)`,
    );
  });
});

describe('describeCpuBackend', () => {
  const maps = (library: string) => {
    const file = join(tempDir('smartbot-maps-'), 'maps');
    writeFileSync(file, `7f0000000000-7f0000100000 r-xp 00000000 08:01 42    /usr/lib/libc.so.6\n7f0000200000-7f0000300000 r-xp 00000000 08:01 43    ${library}\n`);
    return file;
  };

  it('names where the library ggml kept came from, and its variant', () => {
    const { cpu } = cacheWith('skylakex');
    const compiled = { use: 'compiled', dir: cpu, addon: prebuilt.addon } as const;
    expect(describeCpuBackend(compiled, maps(join(cpu, 'libggml-cpu-skylakex.so')))).toBe(`compiled on this machine, x86-64-v4 (AVX-512): ${cpu}/libggml-cpu-skylakex.so`);
    // Registered, but ggml found no variant there this CPU runs: node-llama-cpp loaded its own.
    expect(describeCpuBackend(compiled, maps('/nlc/bins/linux-x64/libggml-cpu-zen4.so'))).toBe(`node-llama-cpp's prebuilt zen4 (${cpu} holds no variant this CPU runs)`);
    expect(describeCpuBackend({ use: 'prebuilt', why: 'SMARTBOT_CPU_BACKEND=prebuilt' }, maps('/nlc/bins/linux-x64/libggml-cpu-haswell.so'))).toBe(
      "node-llama-cpp's prebuilt x86-64-v3 (AVX2, FMA, F16C) (SMARTBOT_CPU_BACKEND=prebuilt)",
    );
    expect(describeCpuBackend({ use: 'prebuilt', why: 'not linux-x64' }, join(tempDir('smartbot-maps-'), 'none'))).toBe("node-llama-cpp's (not linux-x64)");
  });
});
