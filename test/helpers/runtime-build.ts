// The runtime image's llama-server build on this machine: where bench/llama-server.sh --portable
// (what containers/context.sh copies into the image, so containers/build.sh makes it) caches it,
// by llama.cpp tag and the version of node-llama-cpp's prebuilt libraries it links. Tests that run the deployed path's runtime outside a container use it; they
// skip with one line without it, unless REQUIRE_DOCKER=1 (CI, which builds the images first),
// where a missing build fails.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './env.js';

const readJson = <T>(path: string) => JSON.parse(readFileSync(join(repoRoot, 'node_modules', path), 'utf8')) as T;
const tag = readJson<{ tag: string }>('node-llama-cpp/llama/llama.cpp.info.json').tag;
const prebuilt = readJson<{ version: string }>('@node-llama-cpp/linux-x64/package.json').version;

/** The build's llama-server (its CPU variants beside it in cpu/). */
export const runtimeLlamaServer = join(process.env.SMARTBOT_CACHE ?? join(homedir(), '.cache', 'smartbot'), 'llama-server', `${tag}-prebuilt-${prebuilt}`, 'dist', 'llama-server');

/** Whether the build is here; throws under REQUIRE_DOCKER=1 when it is not, and says once what skips otherwise. */
export function hasRuntimeBuild(skipping: string): boolean {
  if (existsSync(runtimeLlamaServer)) return true;
  if (process.env.REQUIRE_DOCKER === '1') throw new Error(`REQUIRE_DOCKER=1 but the runtime image's llama-server is not built (${runtimeLlamaServer}): run containers/build.sh or bench/llama-server.sh --portable`);
  console.log(`the runtime image's llama-server is not built (${runtimeLlamaServer}): skipping ${skipping} (bench/llama-server.sh --portable builds it)`);
  return false;
}
