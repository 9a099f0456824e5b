// What the gateway and memory sections of bench/service share: a local redis-server on a free
// port, the servers under test (gateway-server.ts) pinned to CPU 0, and the load (autocannon, or
// open-loop.ts at a fixed rate) in a child process pinned to CPU 1, so the load never competes
// with the server for its core.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatKeyring, mintApiKey } from '../../contract/keyring-file.js';
import { buildDemoModel, DEMO_MODEL_FILE } from '../../gguf/demo-model.js';
import { freePort } from '../../test/helpers/service.js';

const require = createRequire(import.meta.url);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');
const SERVER = fileURLToPath(new URL('./gateway-server.js', import.meta.url));
/** taskset pins a process to a core; without it (not Linux) everything runs unpinned, and the note says so. */
export const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
/** `cmd args` pinned to `cpus` ("0", "0,1") when taskset exists, as a spawn command line. */
export const pinned = (cpus: number | string, cmd: string, args: string[]): [string, string[]] => (HAS_TASKSET ? ['taskset', ['-c', String(cpus), cmd, ...args]] : [cmd, args]);

/** A throwaway redis-server (no persistence) on a free loopback port, or undefined with the reason. */
export async function startRedis(): Promise<{ url: string; stop: () => Promise<void> } | { missing: string }> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return { missing: 'redis-server is not installed' };
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 5 s')), 5000);
    proc.stdout!.on('data', (d: Buffer) => d.includes('Ready to accept connections') && (clearTimeout(timer), resolve()));
    proc.once('exit', (code) => (clearTimeout(timer), reject(new Error(`redis-server exited with ${code}`))));
  });
  proc.stdout!.resume();
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopProcess(proc, () => proc.kill('SIGTERM'), 10_000) };
}

/** Asks a process to stop (`ask`), and kills it when it has not exited within `graceMs`. */
export async function stopProcess(proc: ChildProcess, ask: () => void, graceMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  ask();
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Polls `url` until it answers 2xx; fails early, with the last lines `log` gives, when `child`
 * exits first, and after `timeoutMs`.
 */
export async function waitReady(url: string, opts: { child?: ChildProcess; log?: () => string; timeoutMs: number }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.child && opts.child.exitCode !== null) throw new Error(`exited ${opts.child.exitCode} before it was ready: ${opts.log?.().trim().split('\n').slice(-3).join(' / ') ?? ''}`);
    if (await fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${opts.timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface ServerUnderTest {
  url: string;
  pid: number;
  key: string;
  /** Log lines the server wrote to stdout so far. */
  logLines(): number;
  /** The server's process.memoryUsage() (over IPC); after a full collection when `gc` (the server needs --expose-gc). */
  memoryUsage(gc?: 'gc'): Promise<NodeJS.MemoryUsage>;
  stop(): Promise<void>;
}

/** The bench's keyring (one chat key) and demo model, written once per bench run. */
let fixtures: { keyring: string; model: string; key: string } | undefined;
function benchFixtures() {
  if (fixtures) return fixtures;
  const dir = mkdtempSync(join(tmpdir(), 'smartbot-bench-gateway-'));
  // Every server started on them has stopped by the time the bench exits.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const { key, entry } = mintApiKey('bench', ['chat']);
  writeFileSync(join(dir, 'keyring.json'), formatKeyring([entry]));
  writeFileSync(join(dir, DEMO_MODEL_FILE), buildDemoModel());
  return (fixtures = { keyring: join(dir, 'keyring.json'), model: join(dir, DEMO_MODEL_FILE), key });
}

/**
 * gateway-server.js (of `dist`, default this build) in `mode`, pinned to CPU 0, with UV_THREADPOOL_SIZE=1 as deployed; its
 * stdout (the access log) is a pipe, as a container's is. `nodeArgs` adds e.g. --cpu-prof.
 */
export async function startServer(mode: 'bare' | 'smartbot', opts: { redisUrl?: string; nodeArgs?: string[]; dist?: string } = {}): Promise<ServerUnderTest> {
  const f = benchFixtures();
  const env = { ...process.env, UV_THREADPOOL_SIZE: '1', BENCH_KEY: f.key, BENCH_KEYRING: f.keyring, BENCH_MODEL: f.model, ...(opts.redisUrl ? { BENCH_REDIS_URL: opts.redisUrl } : {}) };
  const server = opts.dist ? join(opts.dist, 'bench/service/gateway-server.js') : SERVER;
  const [cmd, args] = pinned(0, process.execPath, [...(opts.nodeArgs ?? []), server, mode]);
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let lines = 0;
  proc.stdout!.on('data', (d: Buffer) => {
    for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode} server did not start within 60 s`)), 60_000);
    proc.once('message', (m: { port: number }) => (clearTimeout(timer), resolve(m.port)));
    proc.once('exit', (code) => (clearTimeout(timer), reject(new Error(`${mode} server exited with ${code}`))));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    // taskset execs node, so the child's pid is the server's.
    pid: proc.pid!,
    key: f.key,
    logLines: () => lines,
    memoryUsage: (gc) =>
      new Promise((resolve) => {
        const onMessage = (m: { memory?: NodeJS.MemoryUsage }) => m.memory && (proc.off('message', onMessage), resolve(m.memory));
        proc.on('message', onMessage);
        proc.send(gc ?? 'memory');
      }),
    // The server closes (draining, flushing its log) and exits; --cpu-prof writes its profile then.
    stop: () => stopProcess(proc, () => proc.send('stop'), 30_000),
  };
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  /** Responses that were not 2xx, and connection errors and timeouts. */
  non2xx: number;
  errors: number;
  /** Responses received. */
  responses: number;
}

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  seconds: number;
  /** A fixed rate over all connections (req/s), evenly spaced (open-loop.ts), instead of as fast as the server answers. */
  rate?: number;
}

const OPEN_LOOP = fileURLToPath(new URL('./open-loop.js', import.meta.url));

/** Runs `node args` pinned to CPU 1; its last stdout line, parsed as JSON. */
async function loadProcess<T>(name: string, args: string[]): Promise<T> {
  const [cmd, cmdArgs] = pinned(1, process.execPath, args);
  const proc = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  proc.stderr!.on('data', (d: Buffer) => (err += d));
  const code = await new Promise((resolve) => proc.once('exit', resolve));
  if (code !== 0) throw new Error(`${name} exited with ${code}: ${err.trim().split('\n').pop()}`);
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

/** The load in a child process pinned to CPU 1: autocannon (its CLI, --json), or at a fixed rate the open-loop generator. */
export async function autocannon(spec: LoadSpec): Promise<LoadResult> {
  if (spec.rate !== undefined) {
    const { url, method, headers, body, rate, seconds, connections } = spec;
    return loadProcess<LoadResult>('open-loop load', [OPEN_LOOP, JSON.stringify({ url, method, headers, body, rate, seconds, connections })]);
  }
  const args = [AUTOCANNON, '--json', '-c', String(spec.connections), '-d', String(spec.seconds), '-m', spec.method ?? 'GET'];
  for (const [k, v] of Object.entries(spec.headers ?? {})) args.push('-H', `${k}=${v}`);
  if (spec.body !== undefined) args.push('-b', spec.body);
  args.push(spec.url);
  const r = await loadProcess<{ requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number; timeouts: number }>('autocannon', args);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts, responses: r.requests.total };
}

/** CPU time a process has used so far (user + system), in seconds, from /proc (Linux); clock ticks are 1/100 s. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name (which may hold spaces) start at its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/** The resident set size of a process, from /proc (Linux), in bytes. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}
