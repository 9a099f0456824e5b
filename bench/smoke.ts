// bench/smoke: the container smoke suite cold (images rebuilt from the cached base) and warm,
// and each image's cold start (docker run → /readyz 200). Targets: warm suite ≤ 60 s; the
// runtime ready ≤ 3 s with the demo model. Figures, not a test. Needs Docker.
// Usage: npm run bench:smoke [-- --runs 3] [-- --starts-only]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { packageRoot } from '../contract/paths.js';
import { PATHS, LLAMA_RUNTIME } from '../contract/service-config.js';
import { envFixture } from '../test/containers/mapping.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'starts-only': { type: 'boolean' } } });
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sh = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = spawnSync(cmd, args, { cwd: packageRoot, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};
const timed = (f: () => void) => {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
};
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

async function untilReady(url: string, limitMs = 60_000): Promise<number> {
  const t0 = performance.now();
  // docker-proxy accepts and then drops connections until the container listens; undici's
  // sockets do not hold the event loop open, so hold it explicitly while polling.
  const hold = setInterval(() => {}, 1000);
  try {
    while (performance.now() - t0 < limitMs) {
      try {
        if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).status === 200) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    clearInterval(hold);
  }
  throw new Error(`${url} not ready within ${limitMs} ms`);
}

const suite = () => sh('npx', ['vitest', 'run', 'test/containers'], { REQUIRE_DOCKER: '1' });

console.log(`smartbot container benchmark — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Docker ${docker('version', '-f', '{{.Server.Version}}')}\n`);
let build = NaN;
let cold = NaN;
const warm: number[] = [];
if (!values['starts-only']) {
  for (const image of ['smartbot/service:test', 'smartbot/runtime:test']) spawnSync('docker', ['image', 'rm', image]);
  build = timed(() => sh(join(packageRoot, 'containers/build.sh'), []));
  cold = timed(suite);
  for (let i = 0; i < runs; i++) warm.push(timed(suite));
}

// Cold starts: a fresh container each time, with dev's rendered config and the demo model.
const fx = envFixture('dev');
const runtimeStarts: number[] = [];
const serviceStarts: number[] = [];
for (let i = 0; i < runs; i++) {
  const net = `smartbot-bench-${process.pid}-${i}`;
  docker('network', 'create', net);
  try {
    const t0 = performance.now();
    const rt = docker('run', '-d', '--network', net, '--network-alias', LLAMA_RUNTIME.host, '-p', `127.0.0.1::${LLAMA_RUNTIME.port}`, '-v', `${fx.files.runtime}:${PATHS.config}:ro`, '-v', `${fx.files.models}:${PATHS.models}:ro`, 'smartbot/runtime:test');
    const rtPort = docker('port', rt, `${LLAMA_RUNTIME.port}/tcp`).split(':').pop();
    await untilReady(`http://127.0.0.1:${rtPort}/readyz`);
    runtimeStarts.push(performance.now() - t0);
    const t1 = performance.now();
    const sv = docker('run', '-d', '--network', net, '-p', `127.0.0.1::${fx.config.listen.port}`, '-v', `${fx.files.runtime}:${PATHS.config}:ro`, '-v', `${fx.files.keyring}:${PATHS.keyring}:ro`, 'smartbot/service:test');
    const svPort = docker('port', sv, `${fx.config.listen.port}/tcp`).split(':').pop();
    await untilReady(`http://127.0.0.1:${svPort}/readyz`);
    serviceStarts.push(performance.now() - t1);
    docker('rm', '-f', rt, sv);
  } finally {
    docker('network', 'rm', net);
  }
}
const size = (i: string) => `${(Number(docker('image', 'inspect', '-f', '{{.Size}}', i)) / 1e6).toFixed(0)} MB`;
console.log('| what | seconds |');
console.log('|---|---:|');
if (!values['starts-only']) {
  console.log(`| build both images (base images cached) | ${build.toFixed(1)} |`);
  console.log(`| smoke suite, cold (first run after the build) | ${cold.toFixed(1)} |`);
  console.log(`| smoke suite, warm (median of ${runs}) | ${median(warm).toFixed(1)} |`);
}
console.log(`| runtime cold start, docker run → /readyz (demo model, median of ${runs}) | ${(median(runtimeStarts) / 1000).toFixed(2)} |`);
console.log(`| service cold start, docker run → /readyz (runtime up, median of ${runs}) | ${(median(serviceStarts) / 1000).toFixed(2)} |`);
console.log(`\nimages: smartbot/service:test ${size('smartbot/service:test')}, smartbot/runtime:test ${size('smartbot/runtime:test')}`);
