// The runtime image's llama-server build (bench/llama-server.sh --portable: what
// containers/context.sh copies into the image) behind the runtime's front, on the demo model:
// - on an x86-64-v3 CPU (qemu-user emulating a Haswell: AVX2, no AVX-512) it starts, loads its
//   x86-64-v3 variant by itself and answers: the image runs on any x86-64-v3 node;
// - on this machine it loads the best variant this CPU runs, and $SMARTBOT_CPU_VARIANT forces
//   the lower one, which serves too;
// - the in-process engine (npm start) runs the same build's CPU backend in place of
//   node-llama-cpp's prebuilt one (service/src/engine/cpu-backend.ts), its x86-64-v3 variant
//   where SMARTBOT_CPU_BACKEND names that, and node-llama-cpp's with SMARTBOT_CPU_BACKEND=prebuilt;
//   each answers.
// Needs the build (containers/build.sh makes it; ≈ minutes once, then cached) and qemu-x86_64
// (`apt-get install qemu-user`). Without them it skips with one line, unless REQUIRE_DOCKER=1
// (CI, which builds the images first), where a missing one fails.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bestVariant, CPU_VARIANTS, cpuFlags } from '../../contract/cpu-variants.js';
import { buildDemoModel, DEMO_REPLY } from '../../gguf/demo-model.js';
import { sha256File } from '../../gguf/inspect.js';
import type { ServiceConfig } from '../../service/src/config.js';
import { startLlamaServer, type LlamaServerRuntime } from '../../service/src/llama-server.js';
import { createLogger } from '../../service/src/telemetry/logger.js';
import { repoRoot } from '../helpers/env.js';
import { hasRuntimeBuild, runtimeBuildDir, runtimeLlamaServer } from '../helpers/runtime-build.js';
import { freePort, freshKeys, renderedRuntimeConfig, tempKeyring } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';

const binary = runtimeLlamaServer;
const hasBuild = hasRuntimeBuild('its CPU variant tests');
const hasQemu = spawnSync('qemu-x86_64', ['-version']).status === 0;
if (process.env.REQUIRE_DOCKER === '1' && !hasQemu) throw new Error('REQUIRE_DOCKER=1 but qemu-x86_64 is missing: apt-get install qemu-user');
if (hasBuild && !hasQemu) console.log('qemu-x86_64 is missing: skipping the x86-64-v3 CPU test (apt-get install qemu-user)');

const V3_FLAGS = new Set(CPU_VARIANTS.find((v) => v.level === 'x86-64-v3')!.flags);
const dir = tempDir('smartbot-cpu-variants-');
const model = join(dir, 'demo.gguf');
writeFileSync(model, buildDemoModel());
const lines: string[] = [];
const log = createLogger({ format: 'line', level: 'info', write: (l) => lines.push(l) });

async function config(): Promise<ServiceConfig> {
  const c = renderedRuntimeConfig('prod');
  if (c.model?.source !== 'local') throw new Error('prod serves a local model');
  return { ...c, listen: { host: '127.0.0.1', port: await freePort(2) }, model: { ...c.model, path: model, sha256: await sha256File(model), contextSize: 2048, threads: 1 }, inference: { ...c.inference, parallelSequences: 2 } };
}

let running: LlamaServerRuntime | undefined;
afterEach(async () => {
  await running?.close('SIGTERM');
  running = undefined;
});

/** Starts the runtime on `llamaServer`, asks the demo question; the readiness body, the loaded line and the reply. */
async function serve(llamaServer: string, cpu: { forced: string | undefined; flags: Set<string> }) {
  lines.length = 0;
  const c = await config();
  running = await startLlamaServer(llamaServer, c, 'demo', log, () => {}, cpu);
  await running.loaded;
  const base = `http://127.0.0.1:${c.listen.port}`;
  const ready = await (await fetch(`${base}/readyz`)).json();
  const r = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], temperature: 0 }) });
  const reply = r.status === 200 ? ((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content : `HTTP ${r.status}`;
  return { ready, loaded: lines.find((l) => l.includes('] model loaded')), reply };
}

describe.skipIf(!hasBuild)("the runtime image's llama-server and its CPU variants", () => {
  it.skipIf(!hasQemu)('on an x86-64-v3 CPU without AVX-512 (qemu: Haswell) it loads the x86-64-v3 variant by itself, and serves', async () => {
    // The runtime runs a wrapper that runs the build under qemu; its cpu/ is the build's.
    const wrapped = tempDir('smartbot-qemu-');
    writeFileSync(join(wrapped, 'llama-server'), `#!/bin/sh\nexec qemu-x86_64 -cpu Haswell ${binary} "$@"\n`);
    chmodSync(join(wrapped, 'llama-server'), 0o755);
    symlinkSync(join(binary, '..', 'cpu'), join(wrapped, 'cpu'));
    const r = await serve(join(wrapped, 'llama-server'), { forced: undefined, flags: V3_FLAGS });
    expect(r.ready).toEqual({ status: 'ready', engine: 'llama-server', cpuVariant: 'x86-64-v3' });
    expect(r.loaded).toMatch(/ cpuVariant=x86-64-v3$/m);
    expect(r.reply).toBe(DEMO_REPLY);
    expect(lines.filter((l) => l.includes('[WARN]') || l.includes('[ERROR]'))).toEqual([]);
  }, 60_000);

  it(`on this CPU it loads the best variant it runs (${bestVariant(cpuFlags())?.level}); forced to x86-64-v3, it loads that and serves`, async () => {
    const best = await serve(binary, { forced: undefined, flags: cpuFlags() });
    expect(best.ready).toEqual({ status: 'ready', engine: 'llama-server', cpuVariant: bestVariant(cpuFlags())!.level });
    expect(best.reply).toBe(DEMO_REPLY);
    await running?.close('SIGTERM');
    running = undefined;
    const forced = await serve(binary, { forced: 'x86-64-v3', flags: cpuFlags() });
    expect(forced.ready).toEqual({ status: 'ready', engine: 'llama-server', cpuVariant: 'x86-64-v3' });
    expect(forced.loaded).toMatch(/ cpuVariant=x86-64-v3$/m);
    expect(forced.reply).toBe(DEMO_REPLY);
  }, 60_000);
});

/** The service as its own process (the CPU backend is chosen once a process), in-process on the demo model: its 'model loaded' line and its answer. */
async function inProcess(cpuBackend: string | undefined): Promise<{ loaded: string | undefined; reply: string }> {
  const keys = freshKeys();
  const dev = renderedRuntimeConfig('dev');
  if (dev.model?.source !== 'local') throw new Error('dev serves a local model');
  const { runtime: _deployed, ...rest } = dev;
  const c: ServiceConfig = {
    ...rest,
    listen: { host: '127.0.0.1', port: await freePort() },
    model: { ...dev.model, path: model, sha256: await sha256File(model), contextSize: 1024 },
    threads: 1,
    auth: { keyringFile: tempKeyring([keys.chat.entry]).file },
    logging: { ...dev.logging, format: 'line', level: 'info' },
  };
  const file = join(tempDir('smartbot-in-process-'), 'runtime.json');
  writeFileSync(file, JSON.stringify(c));
  const { SMARTBOT_CPU_BACKEND: _unset, ...env } = process.env;
  const child = spawn(process.execPath, [join(repoRoot, 'dist/service/src/entries/main.js'), '--config', file], {
    env: { ...env, UV_THREADPOOL_SIZE: '1', ...(cpuBackend ? { SMARTBOT_CPU_BACKEND: cpuBackend } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const base = `http://127.0.0.1:${c.listen.port}`;
  try {
    for (let i = 0; !(await fetch(`${base}/readyz`).then((r) => r.ok, () => false)); i++) {
      if (child.exitCode !== null || i > 300) throw new Error(`the service did not get ready: ${out.slice(-800)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${keys.chat.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], temperature: 0 }) });
    const reply = r.status === 200 ? ((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content : `HTTP ${r.status}: ${await r.text()}`;
    return { loaded: out.split('\n').find((l) => l.includes('] model loaded')), reply };
  } finally {
    child.kill('SIGKILL');
  }
}

describe.skipIf(!hasBuild)("the in-process engine on the runtime build's CPU backend", () => {
  const cpu = join(runtimeBuildDir, 'cpu');
  const best = bestVariant(cpuFlags());

  it(`runs the build's best variant for this CPU (${best?.level}) in place of node-llama-cpp's prebuilt one, and answers`, async () => {
    const r = await inProcess(undefined);
    expect(r.loaded).toContain(` cpuBackend="compiled on this machine, ${best!.level} (${best!.features}): ${cpu}/libggml-cpu-${best!.ggml}.so"`);
    expect(r.reply).toBe(DEMO_REPLY);
  }, 60_000);

  it('runs the x86-64-v3 variant where SMARTBOT_CPU_BACKEND names its directory, and node-llama-cpp\'s own with SMARTBOT_CPU_BACKEND=prebuilt', async () => {
    const v3 = await inProcess(join(cpu, 'x86-64-v3'));
    expect(v3.loaded).toContain(` cpuBackend="compiled on this machine, x86-64-v3 (AVX2, FMA, F16C): ${cpu}/libggml-cpu-haswell.so"`);
    expect(v3.reply).toBe(DEMO_REPLY);
    const prebuilt = await inProcess('prebuilt');
    expect(prebuilt.loaded).toMatch(/ cpuBackend="node-llama-cpp's prebuilt \S+.* \(SMARTBOT_CPU_BACKEND=prebuilt\)"/);
    expect(prebuilt.reply).toBe(DEMO_REPLY);
  }, 60_000);
});
