// The runtime on llama.cpp's own llama-server (the runtime image's engine: ARCHITECTURE.md,
// "The llama.cpp runtime"). This process keeps the runtime's contract and llama-server does the
// decoding, one llama-server per local model:
//   - runtime.json → llama-server flags (llamaServerArgs);
//   - a small front on the runtime port: /healthz (the processes), /readyz (the default model is
//     loaded), everything else piped to llama-server on 127.0.0.1 (one port, as the service
//     expects); with several models, routed by the request's `model`, and GET /v1/models/<id>
//     answering each model's readiness;
//   - llama-server's log lines re-emitted as the service's log lines ([time] [LEVEL] …);
//   - SIGTERM/SIGINT forwarded; a llama-server exiting on its own ends this process with 1;
//   - the CPU variant: the image's build has llama.cpp's CPU backend as loadable variants
//     (contract/cpu-variants.ts) in cpu/ beside the binary. ggml loads the best one the CPU
//     supports from the directory llama-server runs in, so the runtime runs it in cpu/ (ggml
//     chooses) or, with $SMARTBOT_CPU_VARIANT, in cpu/<level>/ (that variant alone); the variant
//     ggml loaded (the library llama-server has mapped: a release build does not log it) is
//     reported: log lines, /readyz.
// The pipe is node:http's own: a proxy library would bring routing, rewriting and retries that a
// few loopback upstreams do not need.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { basename, dirname, join, resolve as absolute } from 'node:path';
import { createInterface } from 'node:readline';
import { CPU_VARIANT_ENV, CPU_VARIANTS, cpuFlags, describeVariant, mappedCpuLibrary, missingFlags, variantOfLibrary, type CpuVariant } from '../../contract/cpu-variants.js';
import { isLocal, modelSet, modelThreads, type LocalServedModel } from '../../contract/models.js';
import { UserError, type Closable } from '../../contract/run-main.js';
import type { ServiceConfig } from '../../contract/service-config.js';
import { environmentKnobs } from '../../gguf/preflight.js';
import { verifyModels } from './engine/local.js';
import { ApiError } from './errors.js';
import type { Level, Logger } from './telemetry/logger.js';

/** The env var naming the llama-server binary; the runtime image sets it, `npm start` does not. */
export const LLAMA_SERVER_ENV = 'SMARTBOT_LLAMA_SERVER';

/**
 * Waiting threads sleep instead of spinning (`--poll 0`): with a busy neighbour on the same
 * cores, spinning threads burn the time slices the working ones need (bench/service, "noisy
 * neighbour"); quiet, it costs nothing measurable on this model.
 */
export const LLAMA_SERVER_POLL = 0;

/** llama-server's flags for one local model of a service config; `port` is its loopback port behind the front. */
export function llamaServerArgs(config: ServiceConfig, port: number, model: LocalServedModel): string[] {
  const threads = modelThreads(model, config.threads, modelSet(config).models.filter(isLocal).length);
  const sequences = config.inference.parallelSequences;
  return [
    // Absolute: llama-server runs in its CPU backends' directory.
    ['--model', absolute(model.path)],
    ['--alias', model.id],
    // llama-server splits its context between the slots; node-llama-cpp gives each sequence contextSize.
    ['--ctx-size', String(model.contextSize * sequences)],
    ['--parallel', String(sequences)],
    ['--threads', String(threads)],
    ['--threads-batch', String(threads)],
    ['--poll', String(LLAMA_SERVER_POLL)],
    // The image's build is CPU-only: a GPU setting is passed on (and llama-server says it has none).
    model.gpuLayers ? ['--n-gpu-layers', String(model.gpuLayers)] : [],
    ['--host', '127.0.0.1'],
    ['--port', String(port)],
    // Only the service calls the runtime, never a browser.
    ['--cors-origins', 'localhost'],
    ['--no-webui'],
    ['--metrics'],
    ['--log-prefix'],
    ['--log-colors', 'off'],
  ].flat();
}

const LLAMA_LEVELS: Record<string, Level> = { I: 'info', W: 'warn', E: 'error', D: 'debug' };

/** One llama-server log line ("0.07.246.887 I srv  …": --log-prefix, uptime stamp) → its level and text. */
export function parseLlamaLogLine(line: string): { level: Level; text: string } | undefined {
  const text = line.trimEnd();
  if (!text.trim()) return undefined;
  const m = /^(?:[\d.]+ )?([IWED]) (.*)$/.exec(text);
  return m ? { level: LLAMA_LEVELS[m[1]!]!, text: m[2]!.trim() } : { level: 'info', text: text.trim() };
}

/** Where llama-server finds its CPU backends, and which of them it may load. */
export interface CpuBackends {
  /** The directory llama-server runs in: ggml loads the best CPU backend it finds there. */
  dir: string;
  /** The variants in that directory. */
  offered: CpuVariant[];
  /** The one ggml will load on this CPU (the only one offered when forced). */
  expected: CpuVariant;
  forced: boolean;
}

/**
 * The CPU backends of the llama-server `binary` for a CPU with `flags` ($SMARTBOT_CPU_VARIANT:
 * `forced`), or undefined for a build with its CPU backend linked in (bench/llama-server.sh's
 * native build). A variant this CPU cannot run is refused here, with the reason, rather than by
 * llama-server finding no backend.
 */
export function cpuBackends(binary: string, forced: string | undefined, flags: Set<string>): CpuBackends | undefined {
  const dir = join(dirname(binary), 'cpu');
  if (!existsSync(dir)) {
    if (forced) throw new UserError(`$${CPU_VARIANT_ENV} is ${forced}, but ${binary} has its CPU backend built in (no cpu/ beside it): unset $${CPU_VARIANT_ENV}`, 2);
    return undefined;
  }
  const offered = CPU_VARIANTS.filter((v) => existsSync(join(dir, `libggml-cpu-${v.ggml}.so`)));
  const levels = offered.map((v) => v.level).join(', ');
  // Without /proc/cpuinfo nothing is known of the CPU: ggml decides alone.
  const known = flags.size > 0;
  const runnable = (v: CpuVariant) => !known || missingFlags(v, flags).length === 0;
  if (forced) {
    const variant = offered.find((v) => v.level === forced);
    if (!variant) throw new UserError(`$${CPU_VARIANT_ENV} is ${forced}, which this llama-server build does not have: set one of ${levels}, or unset it`, 2);
    if (!runnable(variant)) throw new UserError(`$${CPU_VARIANT_ENV} is ${forced}, but this CPU lacks ${missingFlags(variant, flags).join(', ')}: set a lower level (${levels}), or unset it`, 2);
    return { dir: join(dir, variant.level), offered, expected: variant, forced: true };
  }
  const usable = offered.filter(runnable);
  if (usable.length === 0)
    throw new UserError(
      offered.length === 0
        ? `${dir} holds none of the CPU variants ${CPU_VARIANTS.map((v) => `libggml-cpu-${v.ggml}.so`).join(', ')}: rebuild the runtime image`
        : `this CPU runs none of llama-server's CPU variants (${offered.map(describeVariant).join(', ')}): it lacks ${missingFlags(offered[0]!, flags).join(', ')}`,
      2,
    );
  return { dir, offered, expected: usable.at(-1)!, forced: false };
}

/**
 * The CPU variant process `pid` has loaded: the ggml CPU library it has mapped (/proc/<pid>/maps;
 * ggml opens every candidate to score it, then keeps only the one it chose), else the one ggml's
 * "loaded CPU backend from …" line names (debug builds print it; `log` holds what was printed).
 */
export function loadedCpuVariant(pid: number | undefined, log: string[], procDir = '/proc'): CpuVariant | undefined {
  let maps = '';
  try {
    maps = readFileSync(`${procDir}/${pid}/maps`, 'utf8');
  } catch {
    // not Linux, or gone
  }
  const mapped = mappedCpuLibrary(maps);
  const logged = log.map((l) => /loaded CPU backend from (\S+)/.exec(l)?.[1]).find(Boolean);
  const library = mapped ?? logged;
  return library ? variantOfLibrary(basename(library)) : undefined;
}

/** The service retries a 503 with Retry-After, as from the node-llama-cpp runtime while it loads. */
function notReady(res: ServerResponse, reason: string): void {
  sendError(res, new ApiError('model_not_ready', { reason }));
}

function sendError(res: ServerResponse, e: ApiError): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(e.status, { 'content-type': 'application/json', ...e.headers }).end(JSON.stringify(e.body()));
}

export interface LlamaServerRuntime extends Closable {
  /** Resolves once every llama-server answers /health with 200 (its model is loaded). */
  loaded: Promise<void>;
}

/** One llama-server: the model it serves, on which loopback port, and whether it has loaded it. */
interface Child {
  model: LocalServedModel;
  port: number;
  process: ChildProcess;
  loaded: boolean;
  exited: Promise<number>;
  /** What it printed before its model loaded: where ggml may name the CPU variant it loaded. */
  startLines: string[];
  /** The CPU variant it loaded, once it has (a build with several). */
  variant?: CpuVariant | undefined;
}

/** Request bodies the front reads to route by `model` (several models); the service's own body limit is far below. */
const MAX_ROUTED_BODY_BYTES = 64 * 2 ** 20;

/**
 * Starts one llama-server per local model of the config behind the runtime front on
 * config.listen; resolves once the front listens. `alias` renames a single model (the runtime's
 * --model-id). With several models the front routes by the request's `model`, answers GET
 * /v1/models/<id> for each (503 until loaded), and /readyz follows the config's default model.
 * `onCrash` runs when a llama-server exits on its own (default: exit 1, so the container
 * restarts with all of them). `cpu`: the CPU's flags and a forced variant ($SMARTBOT_CPU_VARIANT).
 */
export async function startLlamaServer(
  binary: string,
  config: ServiceConfig,
  alias: string | undefined,
  log: Logger,
  onCrash: () => void = () => process.exit(1),
  cpu: { forced: string | undefined; flags: Set<string> } = { forced: process.env[CPU_VARIANT_ENV] || undefined, flags: cpuFlags() },
): Promise<LlamaServerRuntime> {
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    throw new UserError(`$${LLAMA_SERVER_ENV} names ${binary}, which is not an executable file: unset it to serve with node-llama-cpp`, 2);
  }
  const set = modelSet(config);
  const models = set.models.filter(isLocal).map((m) => (alias && !set.several ? { ...m, id: alias } : m));
  if (!models.length) throw new UserError('the runtime serves local GGUF models only');
  const several = models.length > 1;
  const backends = cpuBackends(binary, cpu.forced, cpu.flags);
  // The same pre-flight as node-llama-cpp's: each file verified against its sha256, and all sized together.
  await verifyModels(
    models.map((m) => ({ id: m.id, path: m.path, sha256: m.sha256, contextSize: m.contextSize, contextKnob: environmentKnobs(set.names[set.models.findIndex((s) => s.id === m.id)] ?? 'model').contextSize })),
    config.inference.parallelSequences,
    config.limits.memoryBytes,
  );
  let closing = false;
  const children: Child[] = models.map((model, i) => {
    const port = config.listen.port + 1 + i;
    // In its CPU backends' directory, where ggml looks for them.
    const spawned = spawn(binary, llamaServerArgs(config, port, model), { stdio: ['ignore', 'pipe', 'pipe'], ...(backends ? { cwd: backends.dir } : {}) });
    const child: Child = { model, port, process: spawned, loaded: false, exited: Promise.resolve(0), startLines: [] };
    const name = several ? `llama-server[${model.id}]` : 'llama-server';
    // Until the model is loaded llama-server describes it line by line: debug, not info.
    for (const stream of [child.process.stdout!, child.process.stderr!])
      createInterface({ input: stream }).on('line', (line) => {
        const parsed = parseLlamaLogLine(line);
        if (!parsed) return;
        if (!child.loaded && child.startLines.length < 1000) child.startLines.push(parsed.text);
        const level = parsed.level === 'info' && !child.loaded ? 'debug' : parsed.level;
        log[level](`${name}: ${parsed.text}`);
      });
    log.info('llama-server starting', {
      ...(several ? { model: model.id } : {}),
      threads: modelThreads(model, config.threads, models.length),
      sequences: config.inference.parallelSequences,
      port,
      // The variant ggml will load (the best of those offered this CPU runs, or the one forced).
      ...(backends ? { cpuVariant: backends.expected.level, cpuVariants: backends.offered.map((v) => v.level).join(','), ...(backends.forced ? { forcedBy: CPU_VARIANT_ENV } : {}) } : {}),
    });
    // 'close', not 'exit': its last log lines (why it stopped) are read by then.
    child.exited = new Promise<number>((resolve) => child.process.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
    child.process.once('error', (e) => log.error('llama-server could not start', { ...(several ? { model: model.id } : {}), error: e.message }));
    void child.exited.then((code) => {
      if (closing) return;
      // The container restarts; the service answers 503 (or falls back) meanwhile.
      log.error('llama-server exited', { ...(several ? { model: model.id } : {}), code });
      front.close();
      onCrash();
    });
    return child;
  });
  const byId = new Map(children.map((c) => [c.model.id, c]));
  // The runtime's readiness follows the default model (the first local one when the default is remote).
  const main = byId.get(set.defaultModel) ?? children[0]!;
  /** The CPU variant the default model's llama-server loaded ("built-in" for a build without variants). */
  const cpuVariant = (child = main) => (backends ? (child.variant?.level ?? 'unknown') : 'built-in');

  const upstreamHealthy = (port: number) =>
    new Promise<boolean>((resolve) => {
      const r = request({ host: '127.0.0.1', port, path: '/health', timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      r.on('error', () => resolve(false)).on('timeout', () => r.destroy());
      r.end();
    });

  const loaded = Promise.all(
    children.map(async (child) => {
      while (!closing && child.process.exitCode === null) {
        if (await upstreamHealthy(child.port)) {
          child.loaded = true;
          child.variant = backends ? loadedCpuVariant(child.process.pid, child.startLines) : undefined;
          child.startLines.length = 0;
          log.info('model loaded', { model: child.model.id, engine: 'llama-server', cpuVariant: cpuVariant(child) });
          if (backends && child.variant !== backends.expected)
            log.warn('llama-server loaded another CPU variant than expected', { ...(several ? { model: child.model.id } : {}), expected: backends.expected.level, loaded: cpuVariant(child) });
          return;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }),
  ).then(() => {});

  const pipe = (child: Child, req: IncomingMessage, res: ServerResponse, body?: Buffer) => {
    // A new loopback connection per request (agent: false): llama-server closes kept-alive ones on
    // its own schedule (cpp-httplib: after 100 requests or 5 s idle), and a pooled socket it has just
    // closed fails the request with "socket hang up".
    const headers = body ? { ...req.headers, 'content-length': String(body.length) } : req.headers;
    const upstream = request({ host: '127.0.0.1', port: child.port, method: req.method, path: req.url, headers, agent: false }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (e) => notReady(res, `llama-server: ${e.message}`));
    // A client that leaves cancels the generation upstream too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (body) upstream.end(body);
    else req.pipe(upstream);
  };

  /** Several models: the body's `model` names the llama-server (the default's when it names none). */
  const route = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_ROUTED_BODY_BYTES) return void req.destroy();
      chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let asked: unknown;
      try {
        asked = body.length ? (JSON.parse(body.toString('utf8')) as { model?: unknown }).model : undefined;
      } catch {
        asked = undefined; // not JSON: llama-server says so
      }
      const child = typeof asked === 'string' ? byId.get(asked) : main;
      if (!child) return sendError(res, new ApiError('model_not_found', { asked: String(asked), served: [...byId.keys()] }));
      pipe(child, req, res, body);
    });
  };

  const json = (res: ServerResponse, value: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  const front = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const one = several && req.method === 'GET' ? /^\/v1\/models\/(.+)$/.exec(path) : null;
    if (req.method === 'GET' && path === '/healthz') {
      const alive = children.every((c) => c.process.exitCode === null);
      res.writeHead(alive ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: alive ? 'ok' : 'llama-server exited' }));
    } else if (req.method === 'GET' && path === '/readyz') {
      if (main.loaded) json(res, { status: 'ready', engine: 'llama-server', cpuVariant: cpuVariant() });
      else notReady(res, 'llama-server is loading the model');
    } else if (one) {
      const child = byId.get(decodeURIComponent(one[1]!));
      if (!child) sendError(res, new ApiError('model_not_found', { asked: decodeURIComponent(one[1]!), served: [...byId.keys()] }));
      else if (!child.loaded) notReady(res, `llama-server is loading ${child.model.id}`);
      else json(res, { id: child.model.id, object: 'model', owned_by: 'smartbot' });
    } else if (several && req.method === 'GET' && path === '/v1/models') {
      json(res, { object: 'list', data: children.map((c) => ({ id: c.model.id, object: 'model', owned_by: 'smartbot' })) });
    } else if (several && req.method === 'POST') route(req, res);
    else pipe(main, req, res);
  });
  // Generation can run for minutes: no request timeout on the front; the service bounds it.
  front.requestTimeout = 0;
  front.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(config.listen.port, config.listen.host, () => resolve());
  });
  log.info('runtime listening', { host: config.listen.host, port: config.listen.port, engine: 'llama-server' });

  return {
    loaded,
    async close(signal: string) {
      closing = true;
      log.info('shutting down', { signal });
      front.close();
      front.closeAllConnections();
      await Promise.all(
        children.map(async (c) => {
          if (c.process.exitCode !== null) return;
          c.process.kill('SIGTERM');
          const kill = setTimeout(() => c.process.kill('SIGKILL'), config.http.shutdownGraceMs);
          await c.exited;
          clearTimeout(kill);
        }),
      );
      log.info('stopped');
    },
  };
}
