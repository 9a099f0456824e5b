// bench:scaling — where the autoscaler's signal should sit. The service (in-process inference,
// one thread, pinned to CPU 0) on the demo model and on the seeded 58M model; this process
// (the load, pinned to CPU 1) offers open-loop Poisson arrivals at rising shares of the
// measured capacity, samples the scaling series from /metrics every 200 ms, and times every
// answer together with the load it arrived into: the requests already in flight over the
// sequences (busy share, plus the queue as a share above 100 %) — what the rendered trigger
// sums. Grouping answers by that load, rather than by the rate offered, keeps the figure
// honest when a neighbour on a shared machine changes the capacity mid-run. The knee is the
// lowest load from which on p99 stays over KNEE_FACTOR × its value with nothing in flight.
// Usage: npm run bench:scaling [-- --seconds 20 --runs 3 --sequences 4 --models demo,58m,runtime]
// (runtime: the deployed path, the service in front of the runtime on llama-server; it needs
// the portable llama-server build that bench/llama-server.sh --portable caches, ≈ 3 min once.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KNEE_FACTOR } from '../contract/scaling.js';
import { METRICS } from '../contract/telemetry.js';
import { buildDemoModel, DEMO_MODEL_FILE } from '../gguf/demo-model.js';
import { seededRandom } from '../gguf/llama-model.js';
import { HAS_TASKSET } from './service/http-load.js';
import { startLocalService, type LocalService } from './service/local-service.js';
import { benchModel } from './service/model.js';
import { llamaServerBinary, runtimeOnLlamaServer } from './service/runtime.js';
import { median, printTable, type Table } from './service/table.js';

/** Offered load per step, as a share of the capacity measured with every sequence busy. */
const STEPS = [0.2, 0.4, 0.55, 0.7, 0.8, 0.9, 1, 1.1];
const SAMPLE_MS = 200;
/** Short answers: more of them per step, so each step's p99 rests on more samples. */
const MAX_TOKENS = 32;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    sequences: { type: 'string', default: '4' },
    models: { type: 'string', default: 'demo,58m,runtime' },
  },
});
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const SEQUENCES = Number(values.sequences);
const progress = (line: string) => process.stderr.write(`  … ${line}\n`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const percentile = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]! : NaN);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

let asked = 0;
/** One answer, timed from sending to the last byte; the status (429: the queue was full). */
async function ask(s: LocalService, modelId: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const body = JSON.stringify({ model: modelId, messages: [{ role: 'user', content: `Request ${++asked}. Tell me about the sea.` }], max_tokens: MAX_TOKENS, temperature: 0 });
  const res = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status };
}

/** The scaling series from /metrics: busy share and queue depth. */
async function scrape(s: LocalService): Promise<{ busy: number; queue: number }> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { busy: value(METRICS.sequencesBusyRatio), queue: value(METRICS.queueDepth) };
}

/** Answers per second with every sequence kept busy: a closed loop of 2 × SEQUENCES, so a queue always waits behind them. */
async function capacity(s: LocalService, modelId: string): Promise<number> {
  const until = performance.now() + SECONDS * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 2 * SEQUENCES }, async () => {
      while (performance.now() < until) if ((await ask(s, modelId)).status === 200) done++;
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** One answered request: the load it arrived into (requests in flight before it / sequences) and its latency. */
interface Answer {
  load: number;
  ms: number;
}

interface Step {
  offered: number;
  /** /metrics, time means over the step. */
  busy: number;
  queue: number;
  /** The same from this side: requests in flight / sequences, time mean over the samples. */
  inFlight: number;
  answers: Answer[];
  refused: number;
}

/** Poisson arrivals at `rate` req/s for SECONDS; the series sampled meanwhile; every answer awaited. */
async function step(s: LocalService, modelId: string, offered: number, rate: number, seed: number): Promise<Step> {
  const next = seededRandom(seed);
  const samples: { busy: number; queue: number; inFlight: number }[] = [];
  const pending: Promise<{ load: number; ms: number; status: number }>[] = [];
  let inFlight = 0;
  const end = performance.now() + SECONDS * 1000;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const mine = inFlight;
      samples.push({ ...(await scrape(s)), inFlight: mine });
      await sleep(SAMPLE_MS);
    }
  })();
  for (let at = performance.now(); at < end; at += (-Math.log(1 - next()) / rate) * 1000) {
    await sleep(at - performance.now());
    const load = inFlight / SEQUENCES;
    inFlight++;
    pending.push(ask(s, modelId).then((a) => (inFlight--, { ...a, load })));
  }
  sampling = false;
  const all = await Promise.all(pending);
  await sampler;
  return {
    offered,
    busy: mean(samples.map((x) => x.busy)),
    queue: mean(samples.map((x) => x.queue)),
    inFlight: mean(samples.map((x) => x.inFlight)) / SEQUENCES,
    answers: all.filter((a) => a.status === 200).map(({ load, ms }) => ({ load, ms })),
    refused: all.filter((a) => a.status === 429).length,
  };
}

/** Waits until the service has nothing in flight (the previous step's queue drained). */
async function idle(s: LocalService): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const x = await scrape(s);
    if (x.busy === 0 && x.queue === 0) return;
    await sleep(100);
  }
}

/** A load level needs this many answers for its p99 to mean something. */
const MIN_ANSWERS = 20;

interface Level {
  load: number;
  answers: number;
  p50: number;
  p99: number;
}

/** p50 and p99 of the answers by the load they arrived into (one level per request in flight). */
function byLoad(answers: Answer[]): Level[] {
  const groups = new Map<number, number[]>();
  for (const a of answers) groups.set(a.load, [...(groups.get(a.load) ?? []), a.ms]);
  return [...groups].sort(([a], [b]) => a - b).map(([load, ms]) => ({ load, answers: ms.length, p50: percentile(ms, 50), p99: percentile(ms, 99) }));
}

/**
 * The knee: the lowest load from which on p99 stays over KNEE_FACTOR × its value with nothing
 * in flight (levels with too few answers are passed over); undefined when it never does.
 */
function knee(levels: Level[]): number | undefined {
  const counted = levels.filter((l) => l.answers >= MIN_ANSWERS);
  const base = counted[0];
  if (!base || base.load !== 0) return undefined;
  const i = counted.findIndex((_, k) => k > 0 && counted.slice(k).every((l) => l.p99 > KNEE_FACTOR * base.p99));
  return i < 0 ? undefined : counted[i]!.load;
}

/** One row per load level up to the last with MIN_ANSWERS answers; the rarer levels above it in one row. */
function levelRows(answers: Answer[], base: number, pct: (x: number) => string, f: (x: number | undefined, d?: number) => string): (string | number)[][] {
  const levels = byLoad(answers);
  let last = levels.length - 1;
  while (last >= 0 && levels[last]!.answers < MIN_ANSWERS) last--;
  const row = (label: string, l: Level) => [label, l.answers, f(l.p50, 0), f(l.p99, 0), l.answers >= MIN_ANSWERS ? f(l.p99 / base) : `(${f(l.p99 / base)})`];
  const rows = levels.slice(0, last + 1).map((l) => row(pct(l.load), l));
  const above = levels[last]?.load ?? -1;
  const rest = answers.filter((a) => a.load > above).map((a) => a.ms);
  if (rest.length) rows.push(row(`above ${pct(Math.max(above, 0))}`, { load: NaN, answers: rest.length, p50: percentile(rest, 50), p99: percentile(rest, 99) }));
  return rows;
}

interface ModelCase {
  name: string;
  label: string;
  path: string;
  contextSize?: number;
  /** Decode in the runtime on llama-server (the deployed path) instead of in the service's process. */
  viaRuntime?: boolean;
}

/** The service under test: in-process inference, or the service in front of the runtime on llama-server, both on CPU 0. */
async function startUnderTest(m: ModelCase): Promise<LocalService> {
  const common = { modelPath: m.path, threads: 1, sequences: SEQUENCES, cpus: '0', ...(m.contextSize ? { contextSize: m.contextSize } : {}) };
  if (!m.viaRuntime) return startLocalService(common);
  const runtime = await runtimeOnLlamaServer(llamaServerBinary('portable'), 1, SEQUENCES);
  try {
    const service = await startLocalService({ ...common, runtime: { url: `${runtime.base}/v1`, port: Number(new URL(runtime.base).port) } });
    return { ...service, stop: async () => (await service.stop(), await runtime.stop()) };
  } catch (e) {
    await runtime.stop();
    throw e;
  }
}

async function measure(m: ModelCase): Promise<Table[]> {
  const modelId = m.path.split('/').pop()!.replace(/\.gguf$/, '');
  const service = await startUnderTest(m);
  const runs: Step[][] = [];
  const capacities: number[] = [];
  try {
    for (let i = 0; i < SEQUENCES; i++) await ask(service, modelId); // warm-up
    for (let run = 1; run <= RUNS; run++) {
      const cap = await capacity(service, modelId);
      capacities.push(cap);
      progress(`${m.name} run ${run}/${RUNS}: capacity ${cap.toFixed(1)} answers/s with ${SEQUENCES} sequences busy`);
      const steps: Step[] = [];
      for (const [i, offered] of STEPS.entries()) {
        await idle(service);
        const r = await step(service, modelId, offered, offered * cap, 1000 * run + i);
        steps.push(r);
        progress(`${m.name} run ${run}: ${Math.round(offered * 100)} % offered → busy ${r.busy.toFixed(2)}, queue ${r.queue.toFixed(2)}, ${r.answers.length} answers`);
      }
      runs.push(steps);
    }
  } finally {
    await service.stop();
  }
  const f = (x: number | undefined, d = 2) => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '—');
  const spread = (xs: number[], d: number) => `${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)}`;
  const all = byLoad(runs.flat().flatMap((s) => s.answers));
  const base = all[0]?.load === 0 ? all[0].p99 : NaN;
  const kneeAll = knee(all);
  const kneeRuns = runs.map((r) => knee(byLoad(r.flatMap((s) => s.answers))));
  const below = kneeAll === undefined ? undefined : all.filter((l) => l.load < kneeAll && l.answers >= MIN_ANSWERS).at(-1)?.load;
  const where = HAS_TASKSET ? 'service on CPU 0, load on CPU 1 (taskset)' : 'no taskset: service and load share the CPUs';
  const setup = `${SEQUENCES} sequences, 1 thread, ${m.viaRuntime ? 'the service in front of the runtime on llama-server (portable build)' : 'in-process inference'}, up to ${MAX_TOKENS} tokens an answer, new prompts; ${where}; measured on a shared ${cpus().length}-vCPU machine`;
  const pct = (load: number) => `${Math.round(load * 100)} %`;
  return [
    {
      title: `p99 by the load a request arrives into — ${m.label}`,
      note:
        `${setup}. Every answer of all ${RUNS} runs (${all.reduce((n, l) => n + l.answers, 0)}), grouped by the requests in flight when it was sent, over ${SEQUENCES} sequences (100 % = all busy; above it, a queue). ` +
        (kneeAll === undefined
          ? `No knee: p99 never stayed over ${KNEE_FACTOR}× its value at 0 %.`
          : `**Knee: ${pct(kneeAll)}** — from there on p99 stays over ${KNEE_FACTOR}× its value at 0 %; the level under it, ${below === undefined ? '—' : pct(below)}, is the highest that did not. `) +
        ` Each run's knee: ${kneeRuns.map((k) => (k === undefined ? 'none' : pct(k))).join(' / ')}. Levels with fewer than ${MIN_ANSWERS} answers are shown but not judged.`,
      columns: ['load at arrival', 'answers', 'p50 ms', 'p99 ms', 'p99 / at 0 %'],
      rows: levelRows(runs.flat().flatMap((s) => s.answers), base, pct, f),
    },
    {
      title: `The series /metrics serves, against the load offered — ${m.label}`,
      note:
        `${setup}. Capacity (a closed loop of ${2 * SEQUENCES}): ${f(median(capacities), 1)} answers/s (runs: ${spread(capacities, 1)}). Each step offers that share of it as Poisson arrivals for ${SECONDS} s. ` +
        `busy and queue: time means of ${METRICS.sequencesBusyRatio} and ${METRICS.queueDepth} sampled every ${SAMPLE_MS} ms; load = busy + queue / ${SEQUENCES} (what the rendered trigger sums); in flight: the same count from this side. Medians of ${RUNS} runs (min–max).`,
      columns: ['offered', 'busy share', 'queue', 'load from /metrics', 'in flight / sequences', '429s'],
      rows: STEPS.map((offered, i) => {
        const col = (k: 'busy' | 'queue' | 'inFlight' | 'refused') => runs.map((r) => r[i]![k]);
        const load = runs.map((r) => r[i]!.busy + r[i]!.queue / SEQUENCES);
        return [pct(offered), f(median(col('busy'))), f(median(col('queue'))), `${f(median(load))} (${spread(load, 2)})`, f(median(col('inFlight'))), median(col('refused'))];
      }),
    },
  ];
}

if (HAS_TASKSET) spawnSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
console.log(`bench:scaling on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
const demoDir = mkdtempSync(join(tmpdir(), 'smartbot-bench-scaling-'));
try {
  writeFileSync(join(demoDir, DEMO_MODEL_FILE), buildDemoModel());
  const cases: Record<string, ModelCase> = {
    demo: { name: 'demo', label: 'the demo model', path: join(demoDir, DEMO_MODEL_FILE) },
    '58m': { name: '58m', label: 'the seeded 58M F16 model', path: benchModel(), contextSize: 2048 },
    runtime: { name: 'runtime', label: 'the seeded 58M F16 model on the runtime (llama-server), as deployed', path: benchModel(), contextSize: 2048, viaRuntime: true },
  };
  for (const name of values.models.split(',')) {
    const c = cases[name];
    if (!c) throw new Error(`unknown model ${name} (known: ${Object.keys(cases).join(', ')})`);
    process.stderr.write(`[${name}]\n`);
    for (const t of await measure(c)) console.log(printTable(t));
  }
} finally {
  rmSync(demoDir, { recursive: true, force: true });
}
