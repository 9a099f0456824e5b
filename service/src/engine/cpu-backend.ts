// Which build of llama.cpp's CPU backend the in-process engine runs. node-llama-cpp loads the
// best of its fourteen prebuilt variants; the same variant compiled on this machine
// (bench/llama-server.sh --portable, against node-llama-cpp's own prebuilt libraries: the
// runtime image's build, contract/llama-build.ts) decodes a batch of 4 sequences 15–25 % faster
// on the same CPU (measured with one llama-server swapping only that library: docs/performance.md,
// "Which CPU backend"). So where that build exists, it is registered with ggml before
// node-llama-cpp starts: node-llama-cpp then finds a CPU backend and loads none of its own.
//   SMARTBOT_CPU_BACKEND unset or auto   the build for this node-llama-cpp if it is there, else
//                                        node-llama-cpp's prebuilt one
//   SMARTBOT_CPU_BACKEND=prebuilt        node-llama-cpp's prebuilt one
//   SMARTBOT_CPU_BACKEND=<dir>           the variants in <dir> (libggml-cpu-<variant>.so, built
//                                        against this node-llama-cpp's libraries); none there is
//                                        an error
// Only a CPU-only llama (gpuLayers 0) on linux-x64 with node-llama-cpp's prebuilt addon: a GPU
// build, or node-llama-cpp's own local build, loads its backends itself.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { CPU_VARIANTS, describeVariant, mappedCpuLibrary, variantOfLibrary } from '../../../contract/cpu-variants.js';
import { nodeLlamaCppDir, portableBuildDir, prebuiltLlama, type PrebuiltLlama } from '../../../contract/llama-build.js';
import { UserError } from '../../../contract/run-main.js';

export const CPU_BACKEND_ENV = 'SMARTBOT_CPU_BACKEND';

export type CpuBackendPlan =
  /** Register the variants in `dir` (ggml keeps the best this CPU runs) through node-llama-cpp's prebuilt `addon`. */
  | { use: 'compiled'; dir: string; addon: string }
  /** Leave it to node-llama-cpp; `why`, for the log. */
  | { use: 'prebuilt'; why: string };

const libraries = () => CPU_VARIANTS.map((v) => `libggml-cpu-${v.ggml}.so`).join(', ');

/** node-llama-cpp's own builds from source (`npx node-llama-cpp source build`), which it prefers to the prebuilt addon. */
const hasLocalBuild = () => existsSync(join(nodeLlamaCppDir(), 'llama', 'localBuilds'));

/**
 * What to run, from the environment and what is installed (`prebuilt`: null where node-llama-cpp's
 * prebuilt libraries are not installed); a named directory without a variant is refused.
 */
export function planCpuBackend(env: NodeJS.ProcessEnv = process.env, prebuilt: PrebuiltLlama | null = prebuiltLlama() ?? null, localBuild = hasLocalBuild): CpuBackendPlan {
  const asked = env[CPU_BACKEND_ENV]?.trim() || 'auto';
  if (asked === 'prebuilt') return { use: 'prebuilt', why: `${CPU_BACKEND_ENV}=prebuilt` };
  const named = asked !== 'auto';
  const refuse = (why: string) => {
    throw new UserError(`${CPU_BACKEND_ENV} is ${asked}, but ${why}: unset it (or set it to prebuilt)`, 2);
  };
  if (!prebuilt) return named ? refuse("node-llama-cpp's prebuilt linux-x64 libraries are not installed") : { use: 'prebuilt', why: 'not linux-x64' };
  if (localBuild()) return named ? refuse('node-llama-cpp runs its own local build, which loads its own CPU backend') : { use: 'prebuilt', why: "node-llama-cpp's local build" };
  const dir = named ? resolve(asked) : join(portableBuildDir(prebuilt, env), 'cpu');
  if (!CPU_VARIANTS.some((v) => existsSync(join(dir, `libggml-cpu-${v.ggml}.so`)))) {
    if (named) refuse(`it holds none of ${libraries()} (the cpu/ directory of bench/llama-server.sh --portable's build has them)`);
    return { use: 'prebuilt', why: `no compiled CPU backend in ${dir} (bench/llama-server.sh --portable compiles one)` };
  }
  return { use: 'compiled', dir, addon: prebuilt.addon };
}

let registered: CpuBackendPlan | undefined;

/**
 * Carries out the plan once per process, before node-llama-cpp loads: the addon is the very file
 * getLlama loads next (Node keeps one instance of it), and its loadBackends(dir) has ggml load the
 * best variant in `dir`. Returns the plan carried out (the first one, if called again).
 */
export function registerCpuBackend(plan: CpuBackendPlan): CpuBackendPlan {
  if (registered) return registered;
  if (plan.use === 'compiled') {
    const addon = createRequire(import.meta.url)(plan.addon) as { loadBackends(dir: string): void; setLoggerLogLevel(level: number): void };
    // Errors only (node-llama-cpp's level 2): ggml's "loaded CPU backend from …" is said by the 'model loaded' line.
    addon.setLoggerLogLevel(2);
    addon.loadBackends(plan.dir);
  }
  return (registered = plan);
}

const realpath = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/** The ggml CPU library this process runs, described for the 'model loaded' line: where it came from and its variant. */
export function describeCpuBackend(plan: CpuBackendPlan, maps = '/proc/self/maps'): string {
  let mapped: string | undefined;
  try {
    mapped = mappedCpuLibrary(readFileSync(maps, 'utf8'));
  } catch {
    // not Linux
  }
  if (!mapped) return plan.use === 'prebuilt' ? `node-llama-cpp's (${plan.why})` : 'unknown';
  const variant = variantOfLibrary(mapped);
  const name = variant ? describeVariant(variant) : basename(mapped).replace(/^libggml-cpu-|\.so$/g, '');
  // A variant's file may be a link (cpu/<level>/ in the runtime's layout): the map shows where it leads.
  const compiled = plan.use === 'compiled' && CPU_VARIANTS.some((v) => realpath(join(plan.dir, `libggml-cpu-${v.ggml}.so`)) === mapped);
  if (compiled) return `compiled on this machine, ${name}: ${mapped}`;
  if (plan.use === 'compiled') return `node-llama-cpp's prebuilt ${name} (${plan.dir} holds no variant this CPU runs)`;
  return `node-llama-cpp's prebuilt ${name} (${plan.why})`;
}
