import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDemoModel, buildSecondDemoModel } from '../../gguf/demo-model.js';
import { renderedRuntimeConfig } from '../../test/helpers/service.js';
import type { LocalModel } from '../../contract/environment.js';
import type { ServiceConfig } from './config.js';
import { cpuBackends, llamaServerArgs, loadedCpuVariant, parseLlamaLogLine, startLlamaServer, type LlamaServerRuntime } from './llama-server.js';
import { createLogger } from './telemetry/logger.js';
import { tempDir } from '../../test/helpers/temp.js';

/**
 * A stand-in for llama-server, with the behaviour the runtime relies on: /health answers 503 while
 * "loading" (LOAD_MS), then 200; the chat route echoes what reached it; log lines in
 * llama-server's --log-prefix format; SIGTERM ends it; FAIL=1 exits 1 at once as a bad model would.
 */
const FAKE = `#!${process.execPath}
const http = require('node:http');
const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
if (process.env.FAKE_FAIL) { process.stderr.write('E llama_model_load: error loading model: bad magic\\n'); process.exit(1); }
// ggml's choice: the highest variant among the libraries in the working directory.
const variant = ['skylakex', 'haswell'].find((v) => require('node:fs').existsSync(\`libggml-cpu-\${v}.so\`));
if (variant) process.stderr.write(\`0.00.000.000 I load_backend: loaded CPU backend from \${process.cwd()}/libggml-cpu-\${variant}.so\\n\`);
const start = Date.now();
process.stderr.write('0.00.000.001 I llama_model_loader: - kv   0: general.architecture str = llama\\n');
http.createServer((req, res) => {
  if (req.url === '/health') return res.writeHead(Date.now() - start < 300 ? 503 : 200).end();
  let body = '';
  req.on('data', (c) => (body += c)).on('end', () => {
    process.stderr.write('0.01.000.000 I slot launch_slot_: id  0 | task 0 | processing task\\n');
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'fake' }).end(JSON.stringify({ url: req.url, method: req.method, body: body ? JSON.parse(body) : null, args: process.argv.slice(2) }));
  });
}).listen(port, '127.0.0.1');
process.on('SIGTERM', () => { process.stderr.write('W srv    operator(): cleaning up before exit...\\n'); process.exit(0); });
`;

const dir = tempDir('smartbot-llama-server-');
const fake = join(dir, 'llama-server');
writeFileSync(fake, FAKE);
chmodSync(fake, 0o755);
// The image's layout (bench/llama-server.sh --portable): the variants in cpu/, each also alone in cpu/<level>/.
const variantsDir = join(dir, 'variants');
const fakeWithVariants = join(variantsDir, 'llama-server');
mkdirSync(join(variantsDir, 'cpu'), { recursive: true });
writeFileSync(fakeWithVariants, FAKE);
chmodSync(fakeWithVariants, 0o755);
for (const [name, level] of [['haswell', 'x86-64-v3'], ['skylakex', 'x86-64-v4']]) {
  writeFileSync(join(variantsDir, 'cpu', `libggml-cpu-${name}.so`), '');
  mkdirSync(join(variantsDir, 'cpu', level!));
  symlinkSync(`../libggml-cpu-${name}.so`, join(variantsDir, 'cpu', level!, `libggml-cpu-${name}.so`));
}
const V3 = new Set(['sse4_2', 'avx', 'avx2', 'bmi2', 'fma', 'f16c']);
const V4 = new Set([...V3, 'avx512f', 'avx512cd', 'avx512vl', 'avx512dq', 'avx512bw']);
const model = join(dir, 'demo.gguf');
const bytes = buildDemoModel();
writeFileSync(model, bytes);
const second = join(dir, 'demo-second.gguf');
const secondBytes = buildSecondDemoModel();
writeFileSync(second, secondBytes);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let port = 19_300 + (process.pid % 200) * 2;
function config(): ServiceConfig {
  const c = renderedRuntimeConfig('prod');
  if (c.model?.source !== 'local') throw new Error('prod serves a local model');
  port += 2;
  return { ...c, listen: { host: '127.0.0.1', port }, model: { ...c.model, path: model, sha256: createHash('sha256').update(bytes).digest('hex'), contextSize: 2048, threads: 2 }, inference: { ...c.inference, parallelSequences: 4 } };
}

let running: LlamaServerRuntime | undefined;
afterEach(async () => {
  await running?.close('SIGTERM');
  running = undefined;
});

const lines: string[] = [];
const log = createLogger({ format: 'line', level: 'info', write: (l) => lines.push(l), now: () => new Date('2026-01-02T03:04:05Z') });

describe('llamaServerArgs', () => {
  it("maps the service config to llama-server's flags: context per slot × slots, threads for decoding and batches, loopback only, sleeping waits", () => {
    const c = config();
    const demo = { ...(c.model as LocalModel), id: 'demo' };
    expect(llamaServerArgs(c, 8002, demo)).toEqual([
      '--model', model, '--alias', 'demo', '--ctx-size', '8192', '--parallel', '4', '--threads', '2', '--threads-batch', '2', '--poll', '0',
      '--host', '127.0.0.1', '--port', '8002', '--cors-origins', 'localhost', '--no-webui', '--metrics', '--log-prefix', '--log-colors', 'off',
    ]);
    // A GPU setting is passed on; 0 (the CPU image) is left out.
    expect(llamaServerArgs(c, 8002, { ...demo, gpuLayers: 99 }).join(' ')).toContain('--n-gpu-layers 99');
  });
});

describe('parseLlamaLogLine', () => {
  it('takes the level from the --log-prefix letter and drops the uptime stamp', () => {
    expect(parseLlamaLogLine('0.07.246.887 I slot launch_slot_: id  3 | processing task')).toEqual({ level: 'info', text: 'slot launch_slot_: id  3 | processing task' });
    expect(parseLlamaLogLine('E llama_model_load: error loading model')).toEqual({ level: 'error', text: 'llama_model_load: error loading model' });
    expect(parseLlamaLogLine('W warn')).toEqual({ level: 'warn', text: 'warn' });
    expect(parseLlamaLogLine('plain line')).toEqual({ level: 'info', text: 'plain line' });
    expect(parseLlamaLogLine('   ')).toBeUndefined();
  });
});

describe('the runtime on llama-server', () => {
  it('answers /healthz at once, /readyz 503 until the model is loaded then 200, and pipes the API to llama-server', async () => {
    lines.length = 0;
    const c = config();
    running = await startLlamaServer(fake, c, 'demo', log, () => {});
    const base = `http://127.0.0.1:${c.listen.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const early = await fetch(`${base}/readyz`);
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('1');
    expect((await early.json()).error).toMatchObject({ code: 'model_not_ready', message: 'The model is not ready: llama-server is loading the model.' });
    await running.loaded;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const r = await fetch(`${base}/v1/chat/completions?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-upstream')).toBe('fake');
    const echoed = await r.json();
    expect(echoed).toMatchObject({ url: '/v1/chat/completions?x=1', method: 'POST', body: { messages: [{ role: 'user', content: 'hi' }] } });
    expect(echoed.args).toContain('--port');
    expect(echoed.args[echoed.args.indexOf('--port') + 1]).toBe(String(c.listen.port + 1));

    await running.close('SIGTERM');
    running = undefined;
    // Loading chatter is debug (not printed at info); events after the load are info; every line in the log format.
    expect(lines).toEqual([
      `[2026-01-02 03:04:05] [INFO] llama-server starting threads=2 sequences=4 port=${c.listen.port + 1}\n`,
      `[2026-01-02 03:04:05] [INFO] runtime listening host=127.0.0.1 port=${c.listen.port} engine=llama-server\n`,
      '[2026-01-02 03:04:05] [INFO] model loaded model=demo engine=llama-server cpuVariant=built-in\n',
      '[2026-01-02 03:04:05] [INFO] llama-server: slot launch_slot_: id  0 | task 0 | processing task\n',
      '[2026-01-02 03:04:05] [INFO] shutting down signal=SIGTERM\n',
      '[2026-01-02 03:04:05] [WARN] llama-server: srv    operator(): cleaning up before exit...\n',
      '[2026-01-02 03:04:05] [INFO] stopped\n',
    ]);
  });

  it('refuses a model file that does not match its sha256 before starting llama-server', async () => {
    const c = config();
    await expect(startLlamaServer(fake, { ...c, model: { ...c.model, sha256: '0'.repeat(64) } } as ServiceConfig, 'demo', log, () => {})).rejects.toThrow(
      `model file corrupt: expected ${'0'.repeat(64)} got ${createHash('sha256').update(bytes).digest('hex')} (${model})`,
    );
  });

  it('refuses a binary that is not there, naming the variable to unset', async () => {
    await expect(startLlamaServer(join(dir, 'missing'), config(), 'demo', log, () => {})).rejects.toThrow(
      `$SMARTBOT_LLAMA_SERVER names ${join(dir, 'missing')}, which is not an executable file: unset it to serve with node-llama-cpp`,
    );
  });

  it('logs llama-server exiting on its own with its last error line, and gives up (the container restarts)', async () => {
    lines.length = 0;
    process.env.FAKE_FAIL = '1';
    let crashed!: () => void;
    const crash = new Promise<void>((r) => (crashed = r));
    try {
      running = await startLlamaServer(fake, config(), 'demo', log, () => crashed());
    } finally {
      delete process.env.FAKE_FAIL;
    }
    await crash;
    running = undefined;
    expect(lines.slice(-2)).toEqual(['[2026-01-02 03:04:05] [ERROR] llama-server: llama_model_load: error loading model: bad magic\n', '[2026-01-02 03:04:05] [ERROR] llama-server exited code=1\n']);
  });

  it("runs the build's best CPU variant for this CPU, and reports the one ggml loaded: start line, loaded line, /readyz", async () => {
    lines.length = 0;
    const c = config();
    running = await startLlamaServer(fakeWithVariants, c, 'demo', log, () => {}, { forced: undefined, flags: V4 });
    await running.loaded;
    const ready = await fetch(`http://127.0.0.1:${c.listen.port}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', engine: 'llama-server', cpuVariant: 'x86-64-v4' });
    expect(lines.slice(0, 3)).toEqual([
      `[2026-01-02 03:04:05] [INFO] llama-server starting threads=2 sequences=4 port=${c.listen.port + 1} cpuVariant=x86-64-v4 cpuVariants=x86-64-v3,x86-64-v4\n`,
      `[2026-01-02 03:04:05] [INFO] runtime listening host=127.0.0.1 port=${c.listen.port} engine=llama-server\n`,
      '[2026-01-02 03:04:05] [INFO] model loaded model=demo engine=llama-server cpuVariant=x86-64-v4\n',
    ]);
  });

  it('$SMARTBOT_CPU_VARIANT forces a lower variant on a CPU that has a higher one, and it still serves', async () => {
    lines.length = 0;
    const c = config();
    running = await startLlamaServer(fakeWithVariants, c, 'demo', log, () => {}, { forced: 'x86-64-v3', flags: V4 });
    await running.loaded;
    const base = `http://127.0.0.1:${c.listen.port}`;
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready', engine: 'llama-server', cpuVariant: 'x86-64-v3' });
    expect((await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"messages":[]}' })).status).toBe(200);
    expect(lines[0]).toContain(' cpuVariant=x86-64-v3 cpuVariants=x86-64-v3,x86-64-v4 forcedBy=SMARTBOT_CPU_VARIANT\n');
    expect(lines).toContain('[2026-01-02 03:04:05] [INFO] model loaded model=demo engine=llama-server cpuVariant=x86-64-v3\n');
  });
});

describe('cpuBackends', () => {
  it('offers every variant of the build; expects the best this CPU runs; a build with the backend linked in has none', () => {
    expect(cpuBackends(fakeWithVariants, undefined, V4)).toMatchObject({ dir: join(variantsDir, 'cpu'), expected: { level: 'x86-64-v4' }, forced: false });
    expect(cpuBackends(fakeWithVariants, undefined, V3)).toMatchObject({ dir: join(variantsDir, 'cpu'), expected: { level: 'x86-64-v3' } });
    expect(cpuBackends(fakeWithVariants, 'x86-64-v3', V4)).toMatchObject({ dir: join(variantsDir, 'cpu', 'x86-64-v3'), expected: { level: 'x86-64-v3' }, forced: true });
    expect(cpuBackends(fake, undefined, V4)).toBeUndefined();
  });

  it('refuses, with the reason and the way out, a variant this CPU cannot run, one the build lacks, and a CPU below them all', () => {
    expect(() => cpuBackends(fakeWithVariants, 'x86-64-v4', V3)).toThrow('$SMARTBOT_CPU_VARIANT is x86-64-v4, but this CPU lacks avx512f, avx512cd, avx512vl, avx512dq, avx512bw: set a lower level (x86-64-v3, x86-64-v4), or unset it');
    expect(() => cpuBackends(fakeWithVariants, 'x86-64-v2', V4)).toThrow('$SMARTBOT_CPU_VARIANT is x86-64-v2, which this llama-server build does not have: set one of x86-64-v3, x86-64-v4, or unset it');
    expect(() => cpuBackends(fakeWithVariants, undefined, new Set(['sse4_2', 'avx']))).toThrow("this CPU runs none of llama-server's CPU variants (x86-64-v3 (AVX2, FMA, F16C), x86-64-v4 (AVX-512)): it lacks avx2, bmi2, fma, f16c");
    expect(() => cpuBackends(fake, 'x86-64-v3', V4)).toThrow(`$SMARTBOT_CPU_VARIANT is x86-64-v3, but ${fake} has its CPU backend built in (no cpu/ beside it): unset $SMARTBOT_CPU_VARIANT`);
  });

  it("reads the variant llama-server loaded from the library it has mapped, else from ggml's log line", () => {
    const proc = tempDir('smartbot-proc-');
    mkdirSync(join(proc, '4242'));
    writeFileSync(
      join(proc, '4242', 'maps'),
      '7f00a0000000-7f00a0100000 r-xp 00000000 08:01 1234 /opt/bot/lib/llama-server/libggml-base.so.0.23.0\n7f00b0000000-7f00b0200000 r-xp 00000000 08:01 1240 /opt/bot/lib/llama-server/cpu/libggml-cpu-skylakex.so\n',
    );
    expect(loadedCpuVariant(4242, [], proc)?.level).toBe('x86-64-v4');
    expect(loadedCpuVariant(4243, ['load_backend: loaded CPU backend from ./libggml-cpu-haswell.so'], proc)?.level).toBe('x86-64-v3');
    expect(loadedCpuVariant(4243, ['llama_model_loader: - kv 0'], proc)).toBeUndefined();
  });
});

describe('the runtime on llama-server with several local models', () => {
  /** multi's shape: two local models (one llama-server each) and a remote one the runtime leaves to the service. */
  function several(): ServiceConfig {
    const { model: one, ...c } = config();
    // Without their own threads, the two share the config's 2.
    const { threads: _own, ...local } = one as LocalModel;
    return {
      ...c,
      threads: 2,
      defaultModel: 'large',
      models: [
        { ...local, id: 'small', path: model, sha256: sha(bytes), fallbacks: ['large'] },
        { ...local, id: 'large', path: second, sha256: sha(secondBytes), contextSize: 4096 },
        { id: 'hosted', source: 'remote', endpoint: 'https://api.example.com/v1', model: 'big', auth: { type: 'bearer', secretRef: { name: 'up', key: 'token' } }, timeoutMs: 1000 },
      ],
    };
  }

  it('starts one llama-server per local model (threads shared), routes by model, and answers each model\'s readiness', async () => {
    lines.length = 0;
    const c = several();
    running = await startLlamaServer(fake, c, undefined, log, () => {});
    const base = `http://127.0.0.1:${c.listen.port}`;
    await running.loaded;
    expect(lines.filter((l) => l.includes('llama-server starting'))).toEqual([
      `[2026-01-02 03:04:05] [INFO] llama-server starting model=small threads=1 sequences=4 port=${c.listen.port + 1}\n`,
      `[2026-01-02 03:04:05] [INFO] llama-server starting model=large threads=1 sequences=4 port=${c.listen.port + 2}\n`,
    ]);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/v1/models/large`)).status).toBe(200);
    const unknown = await fetch(`${base}/v1/models/hosted`);
    expect([unknown.status, (await unknown.json()).error.code]).toEqual([404, 'model_not_found']);

    const ask = async (body: object) => (await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
    const port = (echoed: { args: string[] }) => echoed.args[echoed.args.indexOf('--port') + 1];
    const alias = (echoed: { args: string[] }) => echoed.args[echoed.args.indexOf('--alias') + 1];
    const small = await ask({ model: 'small', messages: [{ role: 'user', content: 'hi' }] });
    expect([port(small), alias(small), small.body.model]).toEqual([String(c.listen.port + 1), 'small', 'small']);
    const large = await ask({ messages: [{ role: 'user', content: 'hi' }] });
    expect([port(large), alias(large)]).toEqual([String(c.listen.port + 2), 'large']);
    expect(large.args.join(' ')).toContain(`--model ${second} --alias large --ctx-size 16384`);
    const wrong = await ask({ model: 'hosted', messages: [] });
    expect(wrong.error).toMatchObject({ code: 'model_not_found', message: 'The model "hosted" does not exist on this server; it serves "small", "large".' });
  });

  it('refuses local models that do not fit together, before starting any llama-server', async () => {
    const c = { ...several(), limits: { memoryBytes: 420 * 2 ** 20, cpuMillis: 2000 } };
    await expect(startLlamaServer(fake, c, undefined, log, () => {})).rejects.toThrow(
      'the 2 local models do not fit together: they need 390.5 MiB (small: weights 268.0 KiB + KV cache 2.0 MiB for 2048 tokens × 4 sequences + overhead 192.0 MiB; large: weights 267.5 KiB + KV cache 4.0 MiB for 4096 tokens × 4 sequences + overhead 192.0 MiB) but only 378.0 MiB of the 420.0 MiB limit is usable. The weights and the engine overhead of the 2 models alone need 384.5 MiB: use smaller (more quantised) models, or raise resources.memory to at least 433.9 MiB.',
    );
  });
});
