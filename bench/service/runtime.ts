// bench/service section "runtime": the llama.cpp runtime against llama.cpp's own llama-server, on
// the same GGUF (benchModel()), threads and slots — tokens/s at 1 and 4 concurrent requests over
// HTTP, the deployed pair (service container → runtime container) measured from the host — all
// measured in turns, run by run (inTurns) — and each runtime's tokens/s while a competing busy loop runs on every core (the noisy neighbour).
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { formatKeyring, mintApiKey } from '../../contract/keyring-file.js';
import { LLAMA_RUNTIME, PATHS, type ServiceConfig } from '../../contract/service-config.js';
import { sha256File } from '../../gguf/inspect.js';
import { LLAMA_SERVER_ENV } from '../../service/src/llama-server.js';
import { readChunks } from '../../service/src/openai-wire.js';
import { freePort } from '../../test/helpers/service.js';
import { cpuSeconds, pinned, stopProcess, waitReady } from './http-load.js';
import { benchModel } from './model.js';
import { recordRates, spread, type Rates } from './summary.js';
import { median, type SectionOptions, type Table } from './table.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dist = join(root, 'dist');
export const THREADS = 2;
export const SLOTS = 4;
const CONTEXT = 2048;
const MAX_TOKENS = 128;
const READY_TIMEOUT_MS = 120_000;
/** The id every server here answers to: the model file's base name (the runtime's default). */
export const MODEL_ID = basename(benchModel(), '.gguf');

/** A server under test: how to start it, where it answers, and what stops it. */
export interface Server {
  name: string;
  base: string;
  stop: () => void | Promise<void>;
}

/** Starts `cmd args` pinned to `cpus` (taskset), and waits until `readyPath` answers 200. */
async function spawnServer(name: string, cpus: string, cmd: string, args: (port: number) => string[], readyPath: string, env: NodeJS.ProcessEnv = {}): Promise<Server> {
  // Two free ports (the runtime on llama-server uses the next one for llama-server itself),
  // never fixed ones: a second bench on the machine would answer on them instead.
  const port = await freePort(2);
  let out = '';
  const [command, commandArgs] = pinned(cpus, cmd, args(port));
  const child = spawn(command, commandArgs, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const stop = () => stopProcess(child, () => child.kill('SIGTERM'), 5000);
  try {
    await waitReady(`http://127.0.0.1:${port}${readyPath}`, { child, log: () => out, timeoutMs: READY_TIMEOUT_MS });
  } catch (e) {
    await stop();
    throw e;
  }
  return { name, base: `http://127.0.0.1:${port}`, stop };
}

/**
 * fetch, sent again when the connection it reused had been closed by the server in the
 * meantime (llama-server closes idle keep-alive connections; fetch then fails before any byte of
 * an answer arrived, and the request never reached the server).
 */
async function fetchRetryingStaleSocket(url: string, init: RequestInit): Promise<Response> {
  // Each pooled connection may be one the server closed (at 4 streams, up to 4 of them).
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (e) {
      const code = ((e as { cause?: { code?: string } }).cause?.code) ?? '';
      if (!(e instanceof TypeError) || !['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'].includes(code) || attempt > SLOTS) throw e;
    }
  }
}

/** One closed-loop run: `streams` clients each send request after request for `seconds`. */
export async function decode(base: string, streams: number, seconds: number, headers: Record<string, string> = {}): Promise<{ tokensPerSecond: number; tokens: number; ttftMs: number[] }> {
  const deadline = Date.now() + seconds * 1000;
  const t0 = performance.now();
  let tokens = 0;
  const ttftMs: number[] = [];
  await Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      for (let i = 0; Date.now() < deadline; i++) {
        const sent = performance.now();
        const r = await fetchRetryingStaleSocket(`${base}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({
            model: MODEL_ID,
            // A new prompt each time: no prompt or response cache helps either side.
            messages: [{ role: 'user', content: `Stream ${s}, request ${i}: write a long story about a lighthouse keeper.` }],
            max_tokens: MAX_TOKENS,
            temperature: 0,
            stream: true,
            stream_options: { include_usage: true },
          }),
          signal: AbortSignal.timeout(120_000),
        });
        if (!r.ok || !r.body) throw new Error(`POST ${base}/v1/chat/completions answered ${r.status}: ${(await r.text()).slice(0, 200)}`);
        let first = true;
        let counted = 0;
        let usage: number | undefined;
        for await (const piece of readChunks(r.body as AsyncIterable<Uint8Array>)) {
          if (piece.usage) usage = piece.usage.completion_tokens;
          if (piece.delta) {
            if (first) ttftMs.push(performance.now() - sent);
            first = false;
            counted++;
          }
        }
        tokens += usage ?? counted;
      }
    }),
  );
  return { tokensPerSecond: tokens / ((performance.now() - t0) / 1000), tokens, ttftMs };
}

/**
 * The rows the issue judges against each other (the deployed pair against native llama-server)
 * swing by 2× between single runs on a shared machine: they run at least this many times.
 */
export const JUDGED_RUNS = 5;

/** A failed measurement in one line: fetch's own message says only "fetch failed", its cause the rest. */
function failureOf(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return `${(e as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
}

/** Starts a server, or says in one line why its row is skipped. */
async function started<T extends Server>(label: string, start: () => Promise<T>): Promise<T | undefined> {
  try {
    return await start();
  } catch (e) {
    console.log(`${label}: skipped — ${(e as Error).message}`);
    return undefined;
  }
}

/** A server measured in turns with others: its rates, and (a service's process) its CPU time per token relayed at SLOTS streams. */
export interface Subject {
  label: string;
  base: string;
  headers?: Record<string, string>;
  rates: Rates;
  pid?: number;
  cpuUsPerToken: number[];
  /** Why its measurement stopped (its row is skipped; the others go on). */
  failed?: string;
}

export const subject = (label: string, base: string, more: Pick<Subject, 'headers' | 'pid'> = {}): Subject => ({ label, base, ...more, rates: { one: [], four: [] }, cpuUsPerToken: [] });

/**
 * Every subject's tokens/s at 1 and at SLOTS streams, `runs` times, measured in turns (run 1 of
 * each, then run 2 of each, …): rows measured minutes apart on a VM whose speed moves by up to
 * 40 % between minutes differed by more than what they were compared for (issue 24: the deployed
 * pair read 81 % of native llama-server measured after it, 96 % measured beside it).
 */
export async function inTurns(subjects: Subject[], runs: number, opts: SectionOptions): Promise<void> {
  /** One subject's turn; a failure takes it out of the runs, with a line saying why. */
  const turn = async (s: Subject, measure: () => Promise<void>) => {
    if (s.failed) return;
    try {
      await measure();
    } catch (e) {
      s.failed = failureOf(e);
      console.log(`${s.label}: skipped — ${s.failed}`);
    }
  };
  for (const s of subjects) await turn(s, async () => void (await decode(s.base, 1, 1, s.headers))); // warm-up: first allocations, page cache
  for (let run = 1; run <= runs; run++) {
    for (const s of subjects)
      await turn(s, async () => {
        const one = (await decode(s.base, 1, opts.seconds, s.headers)).tokensPerSecond;
        const cpu = s.pid ? cpuSeconds(s.pid) : 0;
        const four = await decode(s.base, SLOTS, opts.seconds, s.headers);
        // Both or neither: a row's 1- and 4-stream runs are the same turns.
        s.rates.one.push(one);
        s.rates.four.push(four.tokensPerSecond);
        if (s.pid) s.cpuUsPerToken.push(((cpuSeconds(s.pid) - cpu) * 1e6) / four.tokens);
      });
    opts.progress(`run ${run}/${runs}: ${subjects.map((s) => (s.failed ? '–' : `${s.rates.four.at(-1)!.toFixed(0)}`)).join(' / ')} tokens/s at ${SLOTS} streams`);
  }
}

/** Stops every server, each whatever the others did (a docker network that will not go must not leave llama-servers running). */
export async function stopAll(stops: (() => void | Promise<void>)[]): Promise<void> {
  for (const stop of stops) {
    try {
      await stop();
    } catch (e) {
      console.log(`a server did not stop cleanly: ${(e as Error).message.split('\n')[0]}`);
    }
  }
}

/** The cached builds of bench/llama-server.sh: this machine's (native) and the runtime image's (portable). */
export function llamaServerBinary(flavour: 'native' | 'portable'): string {
  try {
    return execFileSync(join(root, 'bench', 'llama-server.sh'), flavour === 'portable' ? ['--portable'] : [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    const err = (e as { stderr?: string }).stderr?.trim();
    throw new Error(err || `bench/llama-server.sh${flavour === 'portable' ? ' --portable' : ''} failed`);
  }
}

const cpusFor = (threads: number) => (threads > 1 ? '0,1' : '0');

/** llama.cpp's llama-server as llama.cpp ships it: same model, threads, slots and context per slot. */
export const llamaServer = (bin: string, threads: number) =>
  spawnServer(`llama-server -t ${threads} -np ${SLOTS}`, cpusFor(threads), bin, (port) => [
    '-m', benchModel(), '-t', String(threads), '-np', String(SLOTS), '-c', String(CONTEXT * SLOTS), '--host', '127.0.0.1', '--port', String(port), '--no-webui',
  ], '/health');

/** The runtime entry (`runtime --path`): what the runtime container runs, on the host. */
const runtimeEntry = (threads: number) =>
  spawnServer(`runtime (node-llama-cpp) ${threads} thread${threads > 1 ? 's' : ''}`, cpusFor(threads), process.execPath, (port) => [
    join(dist, 'service/src/entries/llama-runtime.js'), '--path', benchModel(), '--threads', String(threads), '--sequences', String(SLOTS), '--context-size', String(CONTEXT), '--port', String(port),
  ], '/readyz', { UV_THREADPOOL_SIZE: '1' });

/** The runtime entry as the runtime image runs it (`runtime --config`, llama-server behind its front). */
export async function runtimeOnLlamaServer(bin: string, threads: number, slots = SLOTS): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'smartbot-bench-runtime-'));
  const c = await pairConfig(threads, slots);
  // The config names the port spawnServer picks: written once it has.
  const server = await spawnServer(`runtime (llama-server) ${threads} thread${threads > 1 ? 's' : ''}`, cpusFor(threads), process.execPath, (port) => {
    writeFileSync(join(dir, 'runtime.json'), JSON.stringify({ ...c, model: { ...c.model, path: benchModel() }, listen: { host: '127.0.0.1', port } }));
    return [join(dist, 'service/src/entries/llama-runtime.js'), '--config', join(dir, 'runtime.json'), '--port', String(port)];
  }, '/readyz', { [LLAMA_SERVER_ENV]: bin }).catch((e) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  const stop = async () => (await server.stop(), rmSync(dir, { recursive: true, force: true }));
  // The CPU variant the image's build loaded here (its /readyz says).
  let ready: { cpuVariant?: string };
  try {
    ready = (await (await fetch(`${server.base}/readyz`)).json()) as { cpuVariant?: string };
  } catch (e) {
    await stop();
    throw e;
  }
  return { ...server, name: `${server.name}, CPU variant ${ready.cpuVariant ?? 'unknown'}`, stop };
}

/** One busy loop per core, each pinned, bounded in time; killed by the returned function. */
function noisyNeighbour(seconds: number): () => void {
  const loops = ['0', '1'].map((cpu) =>
    spawn(...pinned(cpu, process.execPath, ['-e', `const end = Date.now() + ${Math.ceil(seconds * 1000)}; while (Date.now() < end);`]), { stdio: 'ignore' }),
  );
  return () => loops.forEach((l) => l.exitCode === null && l.kill('SIGKILL'));
}

async function underNeighbour(server: Server, opts: SectionOptions): Promise<{ quiet: number; loaded: number }> {
  await decode(server.base, 1, 1);
  const quiet: number[] = [];
  const loaded: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    quiet.push((await decode(server.base, 1, opts.seconds)).tokensPerSecond);
    const stop = noisyNeighbour(opts.seconds + 5);
    try {
      await new Promise((r) => setTimeout(r, 300)); // let the loops get going
      loaded.push((await decode(server.base, 1, opts.seconds)).tokensPerSecond);
    } finally {
      stop();
    }
  }
  return { quiet: median(quiet), loaded: median(loaded) };
}

const fmt = (n: number) => n.toFixed(0);
export const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(0)} %`;

/** Runs `measure` on a server started by `start`; a server that cannot start skips its row with one line. */
async function withServer<T>(opts: SectionOptions, label: string, start: () => Promise<Server>, measure: (s: Server) => Promise<T>): Promise<T | undefined> {
  const server = await started(label, start);
  if (!server) return undefined;
  opts.progress(server.name);
  try {
    return await measure(server);
  } catch (e) {
    console.log(`${label}: skipped — ${failureOf(e)}`);
    return undefined;
  } finally {
    await server.stop();
  }
}

// ── The deployed pair: service container → runtime container on a docker network ──────────────

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** The prod service config with the bench model, threads and slots, no Redis (the runtime rows measure decoding). */
async function pairConfig(threads = THREADS, slots = SLOTS): Promise<ServiceConfig> {
  const cm = parse(readFileSync(join(root, 'rendered/prod/kubernetes/configmap.yaml'), 'utf8'));
  const c = JSON.parse(cm.data['runtime.json']) as ServiceConfig;
  if (c.model?.source !== 'local') throw new Error('rendered/prod names a remote model');
  return {
    ...c,
    model: { ...c.model, path: `${PATHS.models}/${basename(benchModel())}`, contextSize: CONTEXT, threads, sha256: await sha256File(benchModel()) },
    inference: { ...c.inference, parallelSequences: slots },
    threads,
    cache: { ...c.cache, redis: { ...c.cache.redis, enabled: false } },
  };
}

export async function deployedPair(): Promise<Server & { headers: Record<string, string> }> {
  try {
    docker('info', '--format', '{{.ServerVersion}}');
  } catch {
    throw new Error('no docker engine (start it with containers/dockerd.sh)');
  }
  const tag = process.env.TAG ?? 'test';
  for (const image of [`smartbot/service:${tag}`, `smartbot/runtime:${tag}`])
    try {
      docker('image', 'inspect', image);
    } catch {
      throw new Error(`no image ${image} (build it with containers/build.sh)`);
    }
  const dir = mkdtempSync(join(tmpdir(), 'smartbot-bench-pair-'));
  chmodSync(dir, 0o755);
  const config = await pairConfig();
  const key = mintApiKey('bench', ['chat']);
  writeFileSync(join(dir, 'runtime.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, 'keyring.json'), formatKeyring([key.entry]));
  for (const f of ['runtime.json', 'keyring.json']) chmodSync(join(dir, f), 0o644);
  const net = `smartbot-bench-${process.pid}`;
  const names = [`${net}-runtime`, `${net}-service`];
  const cleanup = () => {
    for (const n of names) execFileSync('docker', ['rm', '-f', n], { stdio: 'ignore' });
    execFileSync('docker', ['network', 'rm', net], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    docker('network', 'create', net);
    // Both on both cores: threads 2, as a pod's two containers would share a 2-CPU node.
    docker('run', '-d', '--name', names[0]!, '--network', net, '--network-alias', LLAMA_RUNTIME.host, '--cpuset-cpus', '0,1',
      '-v', `${join(dir, 'runtime.json')}:${PATHS.config}:ro`, '-v', `${benchModel()}:${config.model?.source === 'local' ? config.model.path : ''}:ro`, `smartbot/runtime:${tag}`);
    docker('run', '-d', '--name', names[1]!, '--network', net, '--cpuset-cpus', '0,1', '-p', `127.0.0.1::${config.listen.port}`,
      '-v', `${join(dir, 'runtime.json')}:${PATHS.config}:ro`, '-v', `${join(dir, 'keyring.json')}:${PATHS.keyring}:ro`, `smartbot/service:${tag}`);
    const mapped = docker('port', names[1]!, String(config.listen.port)).split('\n')[0]!;
    const base = `http://${mapped}`;
    await waitReady(`${base}/readyz`, { timeoutMs: READY_TIMEOUT_MS });
    return { name: 'service container → runtime container', base, stop: cleanup, headers: { authorization: `Bearer ${key.key}` } };
  } catch (e) {
    const logs = names.map((n) => {
      try {
        return execFileSync('docker', ['logs', '--tail', '3', n], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch {
        return '';
      }
    });
    cleanup();
    throw new Error(`${(e as Error).message.split('\n')[0]} ${logs.join(' ').trim().split('\n').slice(-3).join(' / ')}`);
  }
}

/** What else ran: on a shared machine the 1-minute load average says how far to trust a table. */
const loadNote = () => `Load average when the table finished: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores.`;

export async function runtimeTables(opts: SectionOptions): Promise<Table[]> {
  const got: Record<string, { one: number; four: number }> = {};
  let native: string | undefined;
  let portable: string | undefined;
  try {
    native = llamaServerBinary('native');
  } catch (e) {
    console.log(`llama-server rows: skipped — ${(e as Error).message}`);
  }
  try {
    portable = llamaServerBinary('portable');
  } catch (e) {
    console.log(`runtime (llama-server) rows: skipped — ${(e as Error).message}`);
  }
  const judgedRuns = Math.max(JUDGED_RUNS, opts.runs);
  // Every server is up at once and measured in turns (inTurns); idle, each waits without spinning.
  const servers: Server[] = [];
  const subjects: (Subject & { key: string })[] = [];
  const add = (key: string, label: string, s: Server | undefined, headers?: Record<string, string>) => {
    if (!s) return;
    servers.push(s);
    opts.progress(s.name);
    subjects.push({ key, ...subject(label, s.base, headers ? { headers } : {}) });
  };
  try {
    if (native) add('llama', `llama.cpp's llama-server (native build, -t ${THREADS} -np ${SLOTS})`, await started('llama-server', () => llamaServer(native, THREADS)));
    if (portable) {
      const r = await started('runtime (llama-server)', () => runtimeOnLlamaServer(portable, THREADS));
      add('portable', `runtime on llama-server (\`runtime --config\`: the image's build, ${r?.name.split(', ').at(-1)}, --poll 0)`, r);
    }
    add('node', `node-llama-cpp runtime / service in-process (\`runtime --path\`, ${THREADS} threads, ${SLOTS} sequences)`, await started('runtime', () => runtimeEntry(THREADS)));
    const pair = await started('deployed pair row', deployedPair);
    add('pair', 'service container → runtime container (as deployed; from the host)', pair, pair?.headers);
    await inTurns(subjects, judgedRuns, opts);
  } finally {
    await stopAll(servers.reverse().map((s) => s.stop));
  }
  const rows = subjects.filter((s) => !s.failed).map(({ key, label, rates: r }) => {
    const m = { one: median(r.one), four: median(r.four) };
    opts.progress(`${label}: ${fmt(m.one)} tokens/s at 1 stream, ${fmt(m.four)} at ${SLOTS}`);
    got[key] = m;
    if (key === 'llama') recordRates('native', label, r);
    if (key === 'pair') recordRates('pair', label, r);
    return [label, spread(r.one), spread(r.four), `${(m.four / m.one).toFixed(2)}×`, r.one.length];
  });

  const targets: Table['targets'] = [];
  if (got.llama && got.pair) {
    targets.push({ target: 'deployed pair ≥ 90 % of llama-server, 1 stream', measured: pct(got.pair.one, got.llama.one), met: got.pair.one >= 0.9 * got.llama.one });
    targets.push({ target: `deployed pair ≥ 90 % of llama-server, ${SLOTS} streams`, measured: pct(got.pair.four, got.llama.four), met: got.pair.four >= 0.9 * got.llama.four });
  }
  const runtime = got.portable ?? got.node;
  if (got.llama && runtime) {
    targets.push({ target: 'runtime ≥ 90 % of llama-server, 1 stream', measured: pct(runtime.one, got.llama.one), met: runtime.one >= 0.9 * got.llama.one });
    targets.push({ target: `runtime ≥ 90 % of llama-server, ${SLOTS} streams`, measured: pct(runtime.four, got.llama.four), met: runtime.four >= 0.9 * got.llama.four });
  }
  if (got.pair && got.node) {
    targets.push({ target: 'pair ≥ 90 % of the in-process service, 1 stream', measured: pct(got.pair.one, got.node.one), met: got.pair.one >= 0.9 * got.node.one });
    targets.push({ target: `pair ≥ 90 % of the in-process service, ${SLOTS} streams`, measured: pct(got.pair.four, got.node.four), met: got.pair.four >= 0.9 * got.node.four });
  }
  const speed: Table = {
    title: 'The runtime against llama-server (tokens/s)',
    note: `Seeded 58M F16 model, ${CONTEXT} tokens of context per slot, ${THREADS} threads, ${SLOTS} slots, up to ${MAX_TOKENS} tokens a request at temperature 0, streamed; aggregate tokens/s over ${opts.seconds} s of closed-loop requests: median (range) of ${judgedRuns} runs, the servers measured in turns (run 1 of each, then run 2, …). Servers pinned to CPUs 0,1 (${THREADS} threads), the client shares them. ${loadNote()}`,
    columns: ['server', '1 stream', `${SLOTS} streams`, `${SLOTS} vs 1`, 'runs'],
    rows,
    targets,
  };

  // The noisy neighbour: one busy loop per core while a single stream decodes.
  const noisyRows: (string | number)[][] = [];
  const noisyTargets: Table['targets'] = [];
  const noisy = async (label: string, start: () => Promise<Server>, isRuntime: boolean) => {
    const r = await withServer(opts, label, start, (s) => underNeighbour(s, opts));
    if (!r) return;
    opts.progress(`${label}: ${fmt(r.quiet)} tokens/s quiet, ${fmt(r.loaded)} loaded`);
    noisyRows.push([label, fmt(r.quiet), fmt(r.loaded), pct(r.loaded, r.quiet)]);
    if (isRuntime) noisyTargets.push({ target: `${label}: ≥ 40 % of quiet tokens/s`, measured: pct(r.loaded, r.quiet), met: r.loaded >= 0.4 * r.quiet });
  };
  for (const threads of [1, 2]) {
    if (native) await noisy(`llama-server native, ${threads} thread${threads > 1 ? 's' : ''}`, () => llamaServer(native, threads), false);
    if (portable) await noisy(`runtime on llama-server, ${threads} thread${threads > 1 ? 's' : ''}`, () => runtimeOnLlamaServer(portable, threads), true);
    await noisy(`node-llama-cpp runtime, ${threads} thread${threads > 1 ? 's' : ''}`, () => runtimeEntry(threads), !portable);
  }
  const neighbour: Table = {
    title: 'The runtime under a noisy neighbour (tokens/s, 1 stream)',
    note: `One busy loop pinned to each of the 2 cores while one stream decodes for ${opts.seconds} s; quiet first, then loaded; median of ${opts.runs}. 1 thread: server on CPU 0; 2 threads: on CPUs 0,1. ${loadNote()}`,
    columns: ['server', 'quiet', 'loaded', 'kept'],
    rows: noisyRows,
    targets: noisyTargets,
  };
  return [speed, neighbour];
}

