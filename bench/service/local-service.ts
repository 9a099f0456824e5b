// The smartbot service as its own process on a local GGUF, in-process inference (no runtime
// container) unless a runtime's URL is given, for bench/service and bench:scaling: the rendered
// dev service config with the bench's model, threads and sequences, a fresh chat key, cache off
// unless asked, on a free loopback port.
// UV_THREADPOOL_SIZE=1 as deployed; pinned with taskset when there is one.
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mintApiKey } from '../../contract/keyring-file.js';
import type { ServiceConfig } from '../../contract/service-config.js';
import { sha256File } from '../../gguf/inspect.js';
import { repoRoot } from '../../test/helpers/env.js';
import { freePort, renderedRuntimeConfig, tempKeyring } from '../../test/helpers/service.js';
import { pinned, stopProcess, waitReady } from './http-load.js';

export interface LocalService {
  url: string;
  /** A chat-scoped API key. */
  key: string;
  /** The service's process (taskset execs node: the same pid). */
  pid: number;
  stop(): Promise<void>;
}

/** Starts the service on `modelPath`; resolves once /readyz answers 200 (the model is loaded). */
/** `dist`: the build whose service runs (default this one's); `runtime`: the deployed path, through the runtime; `nodeArgs`: e.g. --cpu-prof; `env`: added to this process's. */
export async function startLocalService(opts: { modelPath: string; threads: number; sequences: number; cpus: string; contextSize?: number; runtime?: { url: string; port: number }; dist?: string; nodeArgs?: string[]; env?: NodeJS.ProcessEnv }): Promise<LocalService> {
  const dev = renderedRuntimeConfig('dev');
  if (dev.model?.source !== 'local') throw new Error('rendered/dev no longer serves a local model: bench/service needs one');
  const { key, entry } = mintApiKey('bench', ['chat']);
  const keyring = tempKeyring([entry]).file;
  const dir = dirname(keyring);
  const port = await freePort();
  const { runtime: _inProcess, ...rest } = dev;
  const config: ServiceConfig = {
    ...rest,
    listen: { host: '127.0.0.1', port },
    model: { ...dev.model, path: opts.modelPath, sha256: await sha256File(opts.modelPath), contextSize: opts.contextSize ?? dev.model.contextSize },
    inference: { ...dev.inference, parallelSequences: opts.sequences },
    threads: opts.threads,
    auth: { keyringFile: keyring },
    logging: { ...dev.logging, level: 'info' },
    limits: { ...dev.limits, memoryBytes: 8 * 2 ** 30 },
    // The deployed path: the service sends each request to the runtime, as the pod's two containers do.
    ...(opts.runtime ? { runtime: opts.runtime } : {}),
  };
  writeFileSync(join(dir, 'runtime.json'), JSON.stringify(config));
  // An older build (bench --compare) may still have its entry beside the library files.
  const dist = opts.dist ?? join(repoRoot, 'dist');
  const main = [join(dist, 'service/src/entries/main.js'), join(dist, 'service/src/main.js')].find((f) => existsSync(f)) ?? join(dist, 'service/src/entries/main.js');
  const argv = [process.execPath, ...(opts.nodeArgs ?? []), main, '--config', join(dir, 'runtime.json')];
  // The access log goes nowhere: written as deployed (one line a request), read by no one.
  const child = spawn(...pinned(opts.cpus, argv[0]!, argv.slice(1)), { env: { ...process.env, ...opts.env, UV_THREADPOOL_SIZE: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = async () => {
    // Past the service's own grace period (30 s), so that it exits by itself: --cpu-prof writes its profile only then.
    await stopProcess(child, () => child.kill('SIGTERM'), 45_000);
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/readyz`, { child, log: () => stderr, timeoutMs: 60_000 });
  } catch (e) {
    await stop();
    throw new Error(`the service did not start: ${(e as Error).message}`);
  }
  return { url, key, pid: child.pid!, stop };
}
