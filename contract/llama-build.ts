// Where llama.cpp's builds live on this machine. node-llama-cpp ships prebuilt libraries
// (@node-llama-cpp/linux-x64: llama, ggml and ggml's CPU backend in fourteen variants, compiled
// by its CI); bench/llama-server.sh --portable compiles llama-server and the CPU variants of
// contract/cpu-variants.ts against those same libraries, with this machine's compiler, and
// caches them by llama.cpp tag and prebuilt version (containers/context.sh copies that build into
// the runtime image). The in-process engine loads that build's CPU backend where it exists
// (service/src/engine/cpu-backend.ts), and tests and benches find the server there.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The cache bench/llama-server.sh and the benches write: $SMARTBOT_CACHE, or ~/.cache/smartbot. */
export const smartbotCacheDir = (env: NodeJS.ProcessEnv = process.env) => env.SMARTBOT_CACHE ?? join(homedir(), '.cache', 'smartbot');

/** node-llama-cpp's package directory, as this toolchain imports it (its package exports only its entry point, dist/index.js). */
export const nodeLlamaCppDir = () => dirname(dirname(fileURLToPath(import.meta.resolve('node-llama-cpp'))));

/** node-llama-cpp's prebuilt linux-x64 libraries, as installed. */
export interface PrebuiltLlama {
  /** bins/linux-x64: the addon, llama, ggml and every CPU variant. */
  dir: string;
  /** The addon node-llama-cpp loads for a CPU-only llama on linux-x64. */
  addon: string;
  /** The llama.cpp release they were built from (node-llama-cpp's own tag for it). */
  tag: string;
  /** The package's version: a new one brings new libraries for the same tag. */
  version: string;
}

/** The prebuilt libraries, or undefined where they are not installed (another platform, --omit=optional). */
export function prebuiltLlama(): PrebuiltLlama | undefined {
  try {
    // Resolved as node-llama-cpp resolves it (its package exports only its entry point).
    const entry = createRequire(join(nodeLlamaCppDir(), 'package.json')).resolve('@node-llama-cpp/linux-x64');
    const pkg = join(dirname(dirname(entry)), 'package.json');
    const dir = join(dirname(pkg), 'bins', 'linux-x64');
    const meta = JSON.parse(readFileSync(join(dir, '_nlcBuildMetadata.json'), 'utf8')) as { buildOptions: { llamaCpp: { release: string } } };
    const addon = join(dir, 'llama-addon.node');
    if (!existsSync(addon)) return undefined;
    return { dir, addon, tag: meta.buildOptions.llamaCpp.release, version: (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version };
  } catch {
    return undefined;
  }
}

/** Where bench/llama-server.sh --portable lays out its build for these prebuilt libraries: llama-server, its libraries, cpu/. */
export const portableBuildDir = (prebuilt: Pick<PrebuiltLlama, 'tag' | 'version'>, env: NodeJS.ProcessEnv = process.env) =>
  join(smartbotCacheDir(env), 'llama-server', `${prebuilt.tag}-prebuilt-${prebuilt.version}`, 'dist');
