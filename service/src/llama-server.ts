// The runtime on llama.cpp's own llama-server (the runtime image's engine: ARCHITECTURE.md,
// "The llama.cpp runtime"). This process keeps the runtime's contract and llama-server does the
// decoding:
//   - runtime.json → llama-server flags (llamaServerArgs);
//   - a small front on the runtime port: /healthz (the process), /readyz (the model is loaded),
//     everything else piped to llama-server on 127.0.0.1 (one port, as the service expects);
//   - llama-server's log lines re-emitted as the service's log lines ([time] [LEVEL] …);
//   - SIGTERM/SIGINT forwarded; llama-server exiting on its own ends this process with 1;
//   - the CPU variant: the image's build has llama.cpp's CPU backend as loadable variants
//     (contract/cpu-variants.ts) in cpu/ beside the binary. ggml loads the best one the CPU
//     supports from the directory llama-server runs in, so the runtime runs it in cpu/ (ggml
//     chooses) or, with $SMARTBOT_CPU_VARIANT, in cpu/<level>/ (that variant alone); the variant
//     ggml loaded (the library llama-server has mapped: a release build does not log it) is
//     reported: log lines, /readyz.
// The pipe is node:http's own: a proxy library would bring routing, rewriting and retries that a
// single loopback upstream does not need.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { basename, dirname, join, resolve as absolute } from 'node:path';
import { createInterface } from 'node:readline';
import { CPU_VARIANT_ENV, CPU_VARIANTS, cpuFlags, describeVariant, missingFlags, variantOfLibrary, type CpuVariant } from '../../contract/cpu-variants.js';
import { UserError, type Closable } from '../../contract/run-main.js';
import type { ServiceConfig } from '../../contract/service-config.js';
import { preflight } from './engine/local.js';
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

/** llama-server's flags for a service config; `port` is its loopback port behind the front. */
export function llamaServerArgs(config: ServiceConfig, port: number, alias: string): string[] {
  if (config.model.source !== 'local') throw new UserError('the runtime serves local GGUF models only');
  const threads = config.model.threads ?? config.threads;
  const sequences = config.inference.parallelSequences;
  return [
    // Absolute: llama-server runs in its CPU backends' directory.
    ['--model', absolute(config.model.path)],
    ['--alias', alias],
    // llama-server splits its context between the slots; node-llama-cpp gives each sequence contextSize.
    ['--ctx-size', String(config.model.contextSize * sequences)],
    ['--parallel', String(sequences)],
    ['--threads', String(threads)],
    ['--threads-batch', String(threads)],
    ['--poll', String(LLAMA_SERVER_POLL)],
    // The image's build is CPU-only: a GPU setting is passed on (and llama-server says it has none).
    config.model.gpuLayers ? ['--n-gpu-layers', String(config.model.gpuLayers)] : [],
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
  const mapped = /\/(libggml-cpu-[\w.-]+?\.so)\b/.exec(maps)?.[1];
  const logged = log.map((l) => /loaded CPU backend from (\S+)/.exec(l)?.[1]).find(Boolean);
  const library = mapped ?? logged;
  return library ? variantOfLibrary(basename(library)) : undefined;
}

/** The service retries a 503 with Retry-After, as from the node-llama-cpp runtime while it loads. */
function notReady(res: ServerResponse, reason: string): void {
  const e = new ApiError('model_not_ready', { reason });
  if (res.headersSent) return void res.destroy();
  res.writeHead(e.status, { 'content-type': 'application/json', ...e.headers }).end(JSON.stringify(e.body()));
}

export interface LlamaServerRuntime extends Closable {
  /** Resolves once llama-server answers /health with 200 (the model is loaded). */
  loaded: Promise<void>;
}

/**
 * Starts llama-server behind the runtime front on config.listen; resolves once the front listens.
 * `onCrash` runs when llama-server exits on its own (default: exit 1, so the container restarts).
 */
export async function startLlamaServer(
  binary: string,
  config: ServiceConfig,
  alias: string,
  log: Logger,
  onCrash: () => void = () => process.exit(1),
  cpu: { forced: string | undefined; flags: Set<string> } = { forced: process.env[CPU_VARIANT_ENV] || undefined, flags: cpuFlags() },
): Promise<LlamaServerRuntime> {
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    throw new UserError(`$${LLAMA_SERVER_ENV} names ${binary}, which is not an executable file: unset it to serve with node-llama-cpp`, 2);
  }
  if (config.model.source !== 'local') throw new UserError('the runtime serves local GGUF models only');
  const backends = cpuBackends(binary, cpu.forced, cpu.flags);
  // The same pre-flight as node-llama-cpp's: the file verified against its sha256, and sized.
  await preflight(config.model.path, config.model, config);
  const upstreamPort = config.listen.port + 1;
  const args = llamaServerArgs(config, upstreamPort, alias);
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(backends ? { cwd: backends.dir } : {}) });
  let isLoaded = false;
  /** What llama-server printed before the model loaded: where ggml may name the CPU variant it loaded. */
  const startLines: string[] = [];
  let loadedVariant: CpuVariant | undefined;
  let closing = false;
  // Until the model is loaded llama-server describes it line by line: debug, not info.
  for (const stream of [child.stdout!, child.stderr!])
    createInterface({ input: stream }).on('line', (line) => {
      const parsed = parseLlamaLogLine(line);
      if (!parsed) return;
      if (!isLoaded && startLines.length < 1000) startLines.push(parsed.text);
      const level = parsed.level === 'info' && !isLoaded ? 'debug' : parsed.level;
      log[level](`llama-server: ${parsed.text}`);
    });
  log.info('llama-server starting', {
    threads: config.model.threads ?? config.threads,
    sequences: config.inference.parallelSequences,
    port: upstreamPort,
    // The variant ggml will load (the best of those offered this CPU runs, or the one forced).
    ...(backends ? { cpuVariant: backends.expected.level, cpuVariants: backends.offered.map((v) => v.level).join(','), ...(backends.forced ? { forcedBy: CPU_VARIANT_ENV } : {}) } : {}),
  });
  const cpuVariant = () => (backends ? (loadedVariant?.level ?? 'unknown') : 'built-in');

  // 'close', not 'exit': its last log lines (why it stopped) are read by then.
  const exited = new Promise<number>((resolve) => child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  child.once('error', (e) => log.error('llama-server could not start', { error: e.message }));
  void exited.then((code) => {
    if (closing) return;
    // The container restarts; the service answers 503 meanwhile.
    log.error('llama-server exited', { code });
    front.close();
    onCrash();
  });

  const upstreamHealthy = () =>
    new Promise<boolean>((resolve) => {
      const r = request({ host: '127.0.0.1', port: upstreamPort, path: '/health', timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      r.on('error', () => resolve(false)).on('timeout', () => r.destroy());
      r.end();
    });

  const loaded = (async () => {
    while (!closing && child.exitCode === null) {
      if (await upstreamHealthy()) {
        isLoaded = true;
        loadedVariant = backends ? loadedCpuVariant(child.pid, startLines) : undefined;
        startLines.length = 0;
        log.info('model loaded', { model: alias, engine: 'llama-server', cpuVariant: cpuVariant() });
        if (backends && loadedVariant !== backends.expected)
          log.warn('llama-server loaded another CPU variant than expected', { expected: backends.expected.level, loaded: cpuVariant() });
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  const pipe = (req: IncomingMessage, res: ServerResponse) => {
    // A new loopback connection per request (agent: false): llama-server closes kept-alive ones on
    // its own schedule (cpp-httplib: after 100 requests or 5 s idle), and a pooled socket it has just
    // closed fails the request with "socket hang up".
    const upstream = request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent: false }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (e) => notReady(res, `llama-server: ${e.message}`));
    // A client that leaves cancels the generation upstream too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const front = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const alive = child.exitCode === null;
      res.writeHead(alive ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: alive ? 'ok' : 'llama-server exited' }));
    } else if (req.method === 'GET' && path === '/readyz') {
      if (isLoaded) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ready', engine: 'llama-server', cpuVariant: cpuVariant() }));
      else notReady(res, 'llama-server is loading the model');
    } else pipe(req, res);
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
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), config.http.shutdownGraceMs);
        await exited;
        clearTimeout(kill);
      }
      log.info('stopped');
    },
  };
}
