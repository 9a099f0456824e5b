// Runtime: which of llama-server's CPU variants the runtime image loads on this host's CPU
// (contract/cpu-variants.ts: ggml loads the best one the CPU supports), or that it runs none.
// What a running runtime container did load, the Docker section reads from its log.
import { bestVariant, CPU_VARIANT_ENV, CPU_VARIANTS, describeVariant, missingFlags } from '../../contract/cpu-variants.js';
import { ok, problem, skip, type Check } from './check.js';
import { localModels } from './models.js';

const section = 'Runtime';

export const cpuVariant: Check = {
  section,
  async run(ctx) {
    if (!localModels(ctx).length) return [skip(section, 'cpu-variant', 'remote models only: no runtime container decodes here')];
    const flags = ctx.host.cpuFlags;
    if (flags.size === 0) return [skip(section, 'cpu-variant', "this host's CPU flags cannot be read (no /proc/cpuinfo): the runtime image's CPU variant is not predicted")];
    const all = CPU_VARIANTS.map((v) => v.level).join(', ');
    const best = bestVariant(flags);
    if (best) return [ok(section, 'cpu-variant', `the runtime image's llama-server loads its ${describeVariant(best)} CPU variant on this CPU (it has ${all}; $${CPU_VARIANT_ENV} forces a lower one)`)];
    const lowest = CPU_VARIANTS[0]!;
    return [
      problem(section, 'cpu-variant', `this CPU lacks ${missingFlags(lowest, flags).join(', ')}: it runs none of the runtime image's CPU variants (${CPU_VARIANTS.map(describeVariant).join(', ')})`, {
        why: "the runtime container's llama-server cannot start here: `docker compose up` of this environment never gets ready",
        fix: `Run the runtime on an x86-64 CPU with ${lowest.features} (${lowest.level}: any x86-64 server since 2015), or run \`npm start\` here: node-llama-cpp in-process also runs on older CPUs.`,
      }),
    ];
  },
};
