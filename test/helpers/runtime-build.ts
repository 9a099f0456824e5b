// The runtime image's llama-server build on this machine: where bench/llama-server.sh --portable
// (what containers/context.sh copies into the image, so containers/build.sh makes it) caches it,
// by llama.cpp tag and the version of node-llama-cpp's prebuilt libraries it links
// (contract/llama-build.ts). Tests that run the deployed path's runtime outside a container use
// it; they skip with one line without it, unless REQUIRE_DOCKER=1 (CI, which builds the images
// first), where a missing build fails.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { portableBuildDir, prebuiltLlama } from '../../contract/llama-build.js';

const prebuilt = prebuiltLlama();
if (!prebuilt) throw new Error("node-llama-cpp's prebuilt linux-x64 libraries are not installed (npm ci, without --omit=optional)");

/** The build's directory: llama-server, its libraries, and its CPU variants in cpu/. */
export const runtimeBuildDir = portableBuildDir(prebuilt);
/** The build's llama-server (its CPU variants beside it in cpu/). */
export const runtimeLlamaServer = join(runtimeBuildDir, 'llama-server');

/** Whether the build is here; throws under REQUIRE_DOCKER=1 when it is not, and says once what skips otherwise. */
export function hasRuntimeBuild(skipping: string): boolean {
  if (existsSync(runtimeLlamaServer)) return true;
  if (process.env.REQUIRE_DOCKER === '1') throw new Error(`REQUIRE_DOCKER=1 but the runtime image's llama-server is not built (${runtimeLlamaServer}): run containers/build.sh or bench/llama-server.sh --portable`);
  console.log(`the runtime image's llama-server is not built (${runtimeLlamaServer}): skipping ${skipping} (bench/llama-server.sh --portable builds it)`);
  return false;
}
