// Which of the runtime image's CPU variants this host's CPU runs: the best one, or none (a problem with the way out).
import { describe, expect, it } from 'vitest';
import { doctorRepo } from '../../test/helpers/doctor.js';
import { cpuVariant } from './cpu-variant.js';

const V3 = ['sse4_2', 'avx', 'avx2', 'bmi2', 'fma', 'f16c'];
const V4 = [...V3, 'avx512f', 'avx512cd', 'avx512vl', 'avx512dq', 'avx512bw'];

describe('doctor: CPU variant', () => {
  it('names the variant the runtime image loads on this CPU', async () => {
    const repo = doctorRepo();
    expect(await cpuVariant.run(repo.ctx({ cpuFlags: new Set(V4) }))).toEqual([
      { section: 'Runtime', check: 'cpu-variant', status: 'ok', summary: "the runtime image's llama-server loads its x86-64-v4 (AVX-512) CPU variant on this CPU (it has x86-64-v3, x86-64-v4; $SMARTBOT_CPU_VARIANT forces a lower one)" },
    ]);
    expect((await cpuVariant.run(repo.ctx({ cpuFlags: new Set(V3) })))[0]!.summary).toContain('loads its x86-64-v3 (AVX2, FMA, F16C) CPU variant');
  });

  it('a CPU below x86-64-v3 is a problem: what it lacks, why, and where to run instead', async () => {
    expect(await cpuVariant.run(doctorRepo().ctx({ cpuFlags: new Set(['sse4_2', 'avx']) }))).toEqual([
      {
        section: 'Runtime',
        check: 'cpu-variant',
        status: 'problem',
        summary: "this CPU lacks avx2, bmi2, fma, f16c: it runs none of the runtime image's CPU variants (x86-64-v3 (AVX2, FMA, F16C), x86-64-v4 (AVX-512))",
        why: "the runtime container's llama-server cannot start here: `docker compose up` of this environment never gets ready",
        fix: 'Run the runtime on an x86-64 CPU with AVX2, FMA, F16C (x86-64-v3: any x86-64 server since 2015), or run `npm start` here: node-llama-cpp in-process also runs on older CPUs.',
      },
    ]);
  });

  it('without /proc/cpuinfo nothing is predicted', async () => {
    expect((await cpuVariant.run(doctorRepo().ctx({ cpuFlags: new Set() })))[0]).toMatchObject({ status: 'skip' });
  });
});
