// Every doctor check, in report order: the deployment guide's troubleshooting table (port
// conflict, CUDA out of memory, corrupt model, dependency mismatch) and what the service needs
// around it. Adding a check: one file beside these, listed here, with a test that makes it fail.
import type { Check } from './check.js';
import { cpuBackend } from './cpu-backend.js';
import { cpuVariant } from './cpu-variant.js';
import { dependencies } from './dependencies.js';
import { docker } from './docker.js';
import { gpu } from './gpu.js';
import { modelFileCheck } from './model-file.js';
import { modelLoad } from './model-load.js';
import { nativeBinary } from './native-binary.js';
import { nodeVersion } from './node-version.js';
import { ports } from './ports.js';
import { readyz } from './readyz.js';
import { redis } from './redis.js';
import { remoteEndpoint } from './remote-endpoint.js';
import { threads } from './threads.js';

export const CHECKS: Check[] = [ports, modelFileCheck, gpu, modelLoad, cpuBackend, nodeVersion, nativeBinary, cpuVariant, threads, dependencies, redis, remoteEndpoint, readyz, docker];
