// bench/service section "tokens": decoding speed on the seeded 58M F16 model (model.ts), the
// engine alone against the whole service, and the time to first token of streams.
// - direct: node-llama-cpp in its own process (bench/inference-worker.ts), greedy, 1 and 4
//   sequences of one context, on exactly the tokens the service evaluates for the prompt;
// - service: the smartbot service as its own process (local-service.ts), in-process inference,
//   the same threads and sequences, cache off; a plain fetch loop here keeps 1 or 4 requests in
//   flight for the window and counts the completion tokens the answers report. The service runs
//   the CPU backend compiled on this machine where there is one (service/src/engine/cpu-backend.ts),
//   and then the same service on node-llama-cpp's prebuilt one is measured beside it;
// Both run UV_THREADPOOL_SIZE=1 on CPUs 0,1: decoding with 2 threads needs both cores, so
// unlike the gateway rows the load generator shares them (it is idle while it waits).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CPU_BACKEND_ENV, planCpuBackend } from '../../service/src/engine/cpu-backend.js';
import { readChunks } from '../../service/src/openai-wire.js';
import { DecodeTime, readDecodeCounters } from './decode-time.js';
import { HAS_TASKSET } from './http-load.js';
import { startLocalService, type LocalService } from './local-service.js';
import { benchModel } from './model.js';
import { recordRates } from './summary.js';
import { median, type SectionOptions, type Table } from './table.js';

const THREADS = 2;
const SEQUENCES = 4;
const MAX_TOKENS = 128;
const CONTEXT = 2048;
/** The id the service gives the model: its file's base name. */
const MODEL_ID = 'random-58m-f16';
/** One prompt for every row (with a request number in front where each request needs a new one). */
const PROMPT = 'Write a long story about a lighthouse keeper and the sea.';

let asked = 0;
/** `fresh`: a new prompt each request (a number in front), so no sequence holds any of it. */
const body = (stream: boolean, fresh: boolean) =>
  JSON.stringify({ model: MODEL_ID, messages: [{ role: 'user', content: fresh ? `Request ${++asked}. ${PROMPT}` : PROMPT }], max_tokens: MAX_TOKENS, temperature: 0, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) });

/**
 * node-llama-cpp directly: aggregate tokens/s of `sequences` sequences. Not spawnSync: a blocked
 * event loop misses the service closing an idle keep-alive connection, and fetch then writes
 * into the closed socket (EPIPE).
 */
async function direct(model: string, sequences: number): Promise<{ tokensPerSecond: number; decodeTokensPerSecond: number }> {
  const worker = fileURLToPath(new URL('../inference-worker.js', import.meta.url));
  const argv = [process.execPath, worker, model, String(THREADS), String(sequences), String(MAX_TOKENS), '600', PROMPT, String(CONTEXT)];
  const [cmd, ...args] = HAS_TASKSET ? ['taskset', '-c', '0,1', ...argv] : argv;
  const out = await promisify(execFile)(cmd!, args, { env: { ...process.env, UV_THREADPOOL_SIZE: '1' }, encoding: 'utf8' }).catch((e: { stderr?: string }) => {
    throw new Error(`inference worker failed: ${(e.stderr ?? String(e)).trim().split('\n').at(-1)}`);
  });
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { tokensPerSecond: number; decodeTokensPerSecond: number };
}

interface Answer {
  tokens: number;
  /** Milliseconds from sending the request to the first content delta (streams only). */
  ttftMs?: number;
}

async function ask(s: LocalService, stream: boolean, fresh: boolean): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' }, body: body(stream, fresh) });
  if (!res.ok) throw new Error(`the service answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  if (!stream) return { tokens: ((await res.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens };
  let ttftMs: number | undefined;
  let tokens: number | undefined;
  for await (const piece of readChunks(res.body! as AsyncIterable<Uint8Array>)) {
    if (ttftMs === undefined && piece.delta) ttftMs = performance.now() - started;
    if (piece.usage) tokens = piece.usage.completion_tokens;
  }
  if (tokens === undefined) throw new Error('a stream ended without its usage chunk');
  return { tokens, ...(ttftMs === undefined ? {} : { ttftMs }) };
}

/** `concurrency` requests kept in flight for `seconds`: aggregate tokens/s and every TTFT. */
async function load(s: LocalService, concurrency: number, seconds: number, stream: boolean, fresh: boolean) {
  const started = performance.now();
  const until = started + seconds * 1000;
  let tokens = 0;
  const ttfts: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const a = await ask(s, stream, fresh);
        tokens += a.tokens;
        if (a.ttftMs !== undefined) ttfts.push(a.ttftMs);
      }
    }),
  );
  return { tokensPerSecond: tokens / ((performance.now() - started) / 1000), ttfts };
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const pct = (x: number) => `${Math.round(x * 100)} %`;

export async function tokenTables(opts: SectionOptions): Promise<Table[]> {
  const model = benchModel();
  let service: LocalService;
  try {
    service = await startLocalService({ modelPath: model, threads: THREADS, sequences: SEQUENCES, cpus: '0,1', contextSize: CONTEXT });
  } catch (e) {
    return [{ title: 'Tokens/s through the service', note: `not measured: ${(e as Error).message}`, columns: ['path'], rows: [] }];
  }
  // --compare: another build's service beside this one (a before/after), the same rows interleaved.
  let other: LocalService | undefined;
  if (opts.compare)
    other = await startLocalService({ modelPath: model, threads: THREADS, sequences: SEQUENCES, cpus: '0,1', contextSize: CONTEXT, dist: opts.compare }).catch(async (e: Error) => {
      await service.stop();
      throw e;
    });
  // Where the service runs the CPU backend compiled here (the runtime image's build), the same
  // service on node-llama-cpp's prebuilt one beside it: what a fresh `npm ci && npm start` gets.
  const cpu = planCpuBackend();
  let prebuilt: LocalService | undefined;
  if (cpu.use === 'compiled')
    prebuilt = await startLocalService({ modelPath: model, threads: THREADS, sequences: SEQUENCES, cpus: '0,1', contextSize: CONTEXT, env: { [CPU_BACKEND_ENV]: 'prebuilt' } }).catch(async (e: Error) => {
      await service.stop();
      await other?.stop();
      throw e;
    });
  // Decode only (the worker's tokens after every prompt): what a batch of 4 costs against 1, whoever drives the context.
  const decode: Record<1 | 4, number[]> = { 1: [], 4: [] };
  const rates = { direct1: [] as number[], direct4: [] as number[], fresh1: [] as number[], fresh4: [] as number[], same1: [] as number[], same4: [] as number[], other1: [] as number[], other4: [] as number[], prebuilt1: [] as number[], prebuilt4: [] as number[] };
  const ttft: Record<1 | 4, number[]> = { 1: [], 4: [] };
  // The service's new-prompt windows, with where their time went (its decode series on /metrics).
  const time = new DecodeTime();
  const timed = async (concurrent: number) => {
    const before = await readDecodeCounters(service.url);
    const started = performance.now();
    const { tokensPerSecond } = await load(service, concurrent, opts.seconds, false, true);
    time.add(concurrent, before, await readDecodeCounters(service.url), (performance.now() - started) / 1000);
    return tokensPerSecond;
  };
  try {
    await ask(service, false, false); // warm-up: the first answer pays for lazy initialisation
    if (other) await ask(other, false, false);
    if (prebuilt) await ask(prebuilt, false, false);
    // Interleaved, so a noisy neighbour weighs on every row alike.
    for (let run = 1; run <= opts.runs; run++) {
      opts.progress(`run ${run}/${opts.runs}: node-llama-cpp directly, 1 and ${SEQUENCES} sequences`);
      for (const n of [1, SEQUENCES] as const) {
        const d = await direct(model, n);
        rates[n === 1 ? 'direct1' : 'direct4'].push(d.tokensPerSecond);
        decode[n].push(d.decodeTokensPerSecond);
      }
      opts.progress(`run ${run}/${opts.runs}: the service, 1 and ${SEQUENCES} concurrent requests (new prompts, then one prompt), then streams (${opts.seconds} s each)`);
      rates.fresh1.push(await timed(1));
      rates.fresh4.push(await timed(SEQUENCES));
      rates.same1.push((await load(service, 1, opts.seconds, false, false)).tokensPerSecond);
      rates.same4.push((await load(service, SEQUENCES, opts.seconds, false, false)).tokensPerSecond);
      ttft[1].push(...(await load(service, 1, opts.seconds, true, true)).ttfts);
      ttft[4].push(...(await load(service, SEQUENCES, opts.seconds, true, true)).ttfts);
      if (prebuilt) {
        opts.progress(`run ${run}/${opts.runs}: the service on node-llama-cpp's prebuilt CPU backend, 1 and ${SEQUENCES} concurrent requests (new prompts)`);
        rates.prebuilt1.push((await load(prebuilt, 1, opts.seconds, false, true)).tokensPerSecond);
        rates.prebuilt4.push((await load(prebuilt, SEQUENCES, opts.seconds, false, true)).tokensPerSecond);
      }
      if (other) {
        opts.progress(`run ${run}/${opts.runs}: the service of ${opts.compare}, 1 and ${SEQUENCES} concurrent requests (new prompts)`);
        rates.other1.push((await load(other, 1, opts.seconds, false, true)).tokensPerSecond);
        rates.other4.push((await load(other, SEQUENCES, opts.seconds, false, true)).tokensPerSecond);
      }
    }
  } finally {
    await service.stop();
    await other?.stop();
    await prebuilt?.stop();
  }
  const m = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)])) as Record<keyof typeof rates, number>;
  recordRates('direct', 'node-llama-cpp directly (bench/inference-worker)', { one: rates.direct1, four: rates.direct4 });
  recordRates('service', 'smartbot service, in-process engine (`npm start`), a new prompt each request', { one: rates.fresh1, four: rates.fresh4 });
  // Every run's figure beside the median: on a shared machine the spread says how far to trust it.
  const row = (path: string, streams: number, key: keyof typeof rates) => [path, streams, m[key].toFixed(1), rates[key].map((x) => x.toFixed(0)).join(' / '), pct(m[key] / m.direct1)];
  const where = HAS_TASKSET ? 'engine and service on CPUs 0,1 (taskset; the fetch client shares them)' : 'no taskset: everything shares the CPUs';
  return [
    {
      title: 'Tokens/s through the service',
      note: `Seeded 58M F16 llama model, ${THREADS} threads, ${SEQUENCES} sequences of ${CONTEXT} tokens, UV_THREADPOOL_SIZE=1, temperature 0, up to ${MAX_TOKENS} tokens an answer, one prompt (numbered per request in the new-prompt rows); ${where}; the service in-process with cache off, ${opts.seconds} s per row; median of ${opts.runs}. The service's CPU backend: ${cpu.use === 'compiled' ? `compiled on this machine (${cpu.dir}; service/src/engine/cpu-backend.ts)` : `node-llama-cpp's prebuilt (${cpu.why})`}; node-llama-cpp directly: its prebuilt one.`,
      columns: ['path', 'concurrent', 'tokens/s (aggregate)', 'each run', 'of direct, 1 sequence'],
      rows: [
        row('node-llama-cpp directly (bench/inference-worker)', 1, 'direct1'),
        row('node-llama-cpp directly', SEQUENCES, 'direct4'),
        row('smartbot service over HTTP, a new prompt each request', 1, 'fresh1'),
        row('smartbot service over HTTP, a new prompt each request', SEQUENCES, 'fresh4'),
        row('smartbot service over HTTP, one prompt repeated (held by the sequences)', 1, 'same1'),
        row('smartbot service over HTTP, one prompt repeated (held by the sequences)', SEQUENCES, 'same4'),
        ...(prebuilt
          ? [row("smartbot service, node-llama-cpp's prebuilt CPU backend (SMARTBOT_CPU_BACKEND=prebuilt), a new prompt each request", 1, 'prebuilt1'), row("smartbot service, node-llama-cpp's prebuilt CPU backend", SEQUENCES, 'prebuilt4')]
          : []),
        ...(other
          ? [row(`the service of ${opts.compare} (--compare), a new prompt each request`, 1, 'other1'), row(`the service of ${opts.compare} (--compare), a new prompt each request`, SEQUENCES, 'other4')]
          : []),
      ],
      targets: [
        { target: 'service ≥ 95 % of direct at 1 stream (new prompts)', measured: pct(m.fresh1 / m.direct1), met: m.fresh1 >= 0.95 * m.direct1 },
        { target: `${SEQUENCES} streams ≥ 1.6× the aggregate of 1 (service, new prompts)`, measured: `${(m.fresh4 / m.fresh1).toFixed(2)}× (node-llama-cpp alone: ${(m.direct4 / m.direct1).toFixed(2)}×)`, met: m.fresh4 >= 1.6 * m.fresh1 },
        { target: `service ≥ 95 % of direct at ${SEQUENCES} streams (new prompts)`, measured: pct(m.fresh4 / m.direct4), met: m.fresh4 >= 0.95 * m.direct4 },
      ],
      after: [
        `node-llama-cpp directly, decode only (after the prompts; the worker times a warm context): ${median(decode[1]).toFixed(0)} tokens/s with 1 sequence, ${median(decode[4]).toFixed(0)} with ${SEQUENCES} (${(median(decode[4]) / median(decode[1])).toFixed(2)}×): node-llama-cpp adds a batch's sequences in the order they queued, and llama.cpp decodes them in one pass only where their ids rise by one (service/src/engine/batch-order.ts).`,
        ...(prebuilt ? [`On node-llama-cpp's prebuilt CPU backend (a fresh \`npm ci && npm start\`, before bench/llama-server.sh --portable or the images are built): ${SEQUENCES} streams give ${(m.prebuilt4 / m.prebuilt1).toFixed(2)}× the aggregate of 1.`] : []),
        ...(other ? [`--compare: ${SEQUENCES} streams give ${(m.other4 / m.other1).toFixed(2)}× the aggregate of 1 with the service of ${opts.compare}, ${(m.fresh4 / m.fresh1).toFixed(2)}× with this one.`] : []),
      ].join(' '),
    },
    time.table(`The service's new-prompt rows above: ${MAX_TOKENS} tokens an answer; each prompt ≈ 100 tokens to evaluate (this model's vocabulary is bytes: one token a character of the chat template and the message)`),
    {
      title: 'Time to first token',
      note: `Streaming requests (a new prompt each, ${MAX_TOKENS} tokens), 1 or ${SEQUENCES} kept in flight for ${opts.seconds} s per run; from sending the request to the first content delta; percentiles over every stream of all ${opts.runs} runs (few samples: p99 is close to the maximum).`,
      columns: ['concurrent streams', 'p50 ms', 'p99 ms', 'streams'],
      rows: ([1, 4] as const).map((n) => (ttft[n].length ? [n, percentile(ttft[n], 50).toFixed(0), percentile(ttft[n], 99).toFixed(0), ttft[n].length] : [n, '—', '—', 0])),
    },
  ];
}
