// The autoscaler's signal, end to end on the real service under a rising load (the demo model):
// - in-process (npm start's shape), /metrics serves the series the rendered trigger sums — busy
//   share + queue / sequences, this pod's sequence load — which rises above the environment's
//   target with the second request in flight, past 1 once requests queue, and falls back to 0;
// - on the deployed path (the service in front of the runtime on llama-server), that load rises
//   above the target before the p99 of new requests crosses a latency threshold, so the
//   autoscaler asks for a pod before the latency alert would fire. The demo model answers in tens
//   of milliseconds, far under prod's 2 s threshold, so the threshold here is a multiple of this
//   machine's unloaded latency: THRESHOLD_FACTOR × the p99 with one request in flight.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { MonitoringConfig } from '../../contract/monitoring-config.js';
import { METRICS } from '../../contract/telemetry.js';
import { DEMO_MODEL_FILE } from '../../gguf/demo-model.js';
import { sha256File } from '../../gguf/inspect.js';
import { startLlamaServer, type LlamaServerRuntime } from '../../service/src/llama-server.js';
import type { RunningService } from '../../service/src/service.js';
import { repoRoot } from '../helpers/env.js';
import { hasRuntimeBuild, runtimeLlamaServer } from '../helpers/runtime-build.js';
import { demoModelsDir, freePort, logSink, renderedRuntimeConfig, startDemoService } from '../helpers/service.js';

/**
 * dev's sequences. The demo model is so small that its sequences decode side by side at almost no
 * cost: its latency grows by queueing, ceil(clients / 4) answers' time at the end.
 */
const SEQUENCES = 4;
/** Closed-loop clients per step: from one request in flight to the longest queue the service keeps (4 × the sequences). */
const CONCURRENCY = Array.from({ length: SEQUENCES * 5 }, (_, i) => i + 1);
/**
 * Each step runs this long, so that its p99 rests on many answers and one hiccup of a shared
 * machine spoils at most one step or two.
 */
const STEP_MS = 1500;
/** The first step (the baseline) runs longer: its p99 then carries the machine's usual hiccups. */
const BASELINE_MS = 4000;
/** The threshold: this many times the p99 with one request in flight (the first step). */
const THRESHOLD_FACTOR = 2.5;
/** p99 must stay over the threshold this many steps in a row (6 s), as an alert's `for` window would ask. */
const FOR_STEPS = 4;
const ATTEMPTS = 3;

/** A service under load: where it answers and the chat key it takes. */
interface UnderTest {
  url: string;
  key: string;
}

let inProcess: RunningService;
let demo: UnderTest;
beforeAll(async () => {
  const started = await startDemoService({ changes: (c) => ({ ...c, inference: { ...c.inference, parallelSequences: SEQUENCES } }) });
  inProcess = started.service;
  demo = { url: inProcess.url, key: started.key };
}, 60_000);
afterAll(() => inProcess?.close());

/** prod's scaling target, as its monitoring.json (and the ScaledObject's threshold) carries it. */
const target = () => (JSON.parse(parse(readFileSync(join(repoRoot, 'rendered/prod/kubernetes/monitoring-config.yaml'), 'utf8')).data['monitoring.json']) as MonitoringConfig).autoscaling!.targetBusyPercent / 100;

async function ask(s: UnderTest, n: number): Promise<number> {
  const started = performance.now();
  const r = await fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: `Question ${n}: who are you?` }], max_tokens: 24, temperature: 0 }),
  });
  await r.arrayBuffer();
  expect(r.status).toBe(200);
  return performance.now() - started;
}

/** This pod's sequence load from the exposition text of /metrics, as the trigger's query reads it. */
async function scrape(s: UnderTest): Promise<{ busy: number; queue: number; sequences: number; load: number }> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const value = (name: string) => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    if (!m) throw new Error(`/metrics lacks ${name}`);
    return Number(m[1]);
  };
  const busy = value(METRICS.sequencesBusyRatio);
  const queue = value(METRICS.queueDepth);
  const sequences = value(METRICS.sequences);
  return { busy, queue, sequences, load: busy + queue / sequences };
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

interface Step {
  clients: number;
  /** The median sample of this pod's sequence load during the step (the first and last catch clients starting and ending). */
  load: number;
  maxLoad: number;
  p99: number;
}

/** A ramp's steps, a line each, for a failure message. */
const stepTable = (steps: Step[]) => steps.map((s) => `${s.clients} clients: load ${s.load.toFixed(2)} (max ${s.maxLoad.toFixed(2)}), p99 ${s.p99.toFixed(0)} ms`).join('\n');

/** One ramp: CONCURRENCY clients in turn, each step STEP_MS long, sampling /metrics every 20 ms. */
async function ramp(s: UnderTest): Promise<Step[]> {
  let asked = 0;
  const steps: Step[] = [];
  for (const clients of CONCURRENCY) {
    const samples: number[] = [];
    let running = true;
    const sampler = (async () => {
      while (running) {
        samples.push((await scrape(s)).load);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const until = performance.now() + (clients === 1 ? BASELINE_MS : STEP_MS);
    let times: number[];
    try {
      times = (
        await Promise.all(
          Array.from({ length: clients }, async () => {
            const mine: number[] = [];
            while (performance.now() < until) mine.push(await ask(s, ++asked));
            return mine;
          }),
        )
      ).flat();
    } finally {
      running = false;
      await sampler;
    }
    steps.push({ clients, load: percentile(samples, 50), maxLoad: Math.max(...samples), p99: percentile(times, 99) });
  }
  return steps;
}

describe('the scaling signal under load', () => {
  it('is served by /metrics, rises above the target and past 1 once requests queue, and falls back to 0', async () => {
    expect(await scrape(demo)).toEqual({ busy: 0, queue: 0, sequences: SEQUENCES, load: 0 });
    const steps = await ramp(demo);
    const table = stepTable(steps);
    // One client holds one of the 4 sequences; past the target with two.
    expect(steps[0]!.load, table).toBe(1 / SEQUENCES);
    expect(steps.findIndex((s) => s.load > target()), table).toBe(1);
    // The queue shows: past the sequences, the load rises above 1.
    expect(Math.max(...steps.map((s) => s.maxLoad)), table).toBeGreaterThan(1);
    expect(await scrape(demo)).toEqual({ busy: 0, queue: 0, sequences: SEQUENCES, load: 0 });
  }, 120_000);

});

// The order, on the deployed path: the service in front of the runtime, whose llama-server (the
// image's build) decodes its sequences side by side. In-process, on a 2-vCPU machine shared with
// the rest of the suite, p99 climbs from two requests in flight — the step at which the signal
// rises too — so the order there is a coin toss; llama-server keeps p99 flat until every
// sequence is busy and requests queue (`npm run bench:scaling`, docs/autoscaling.md).
describe.skipIf(!hasRuntimeBuild('the scaling signal on the deployed path'))('the scaling signal on the deployed path (service → runtime on llama-server)', () => {
  let runtime: LlamaServerRuntime | undefined;
  let service: RunningService | undefined;
  let deployed: UnderTest;
  beforeAll(async () => {
    const dev = renderedRuntimeConfig('dev');
    if (dev.model?.source !== 'local') throw new Error('dev serves a local model');
    const model = join(demoModelsDir(), DEMO_MODEL_FILE);
    const port = await freePort(2);
    const inference = { ...dev.inference, parallelSequences: SEQUENCES };
    const log = logSink().log;
    runtime = await startLlamaServer(runtimeLlamaServer, { ...dev, threads: 1, inference, listen: { host: '127.0.0.1', port }, model: { ...dev.model, path: model, sha256: await sha256File(model) } }, undefined, log, () => {});
    await runtime.loaded;
    const started = await startDemoService({ changes: (c) => ({ ...c, inference, runtime: { url: `http://127.0.0.1:${port}/v1`, port } }), start: { localInference: 'runtime' } });
    service = started.service;
    deployed = { url: service.url, key: started.key };
  }, 60_000);
  afterAll(async () => {
    await service?.close();
    await runtime?.close('SIGTERM');
  });

  it('rises above the target before p99 crosses the latency threshold', async () => {
    // A ramp whose p99 a neighbour on the shared machine pushed over the threshold below the
    // sequences (where llama-server decodes side by side) is run again, up to ATTEMPTS ramps;
    // the test fails when no ramp shows the signal first.
    const seen: string[] = [];
    let shown = false;
    for (let attempt = 1; attempt <= ATTEMPTS && !shown; attempt++) {
      const steps = await ramp(deployed);
      const threshold = THRESHOLD_FACTOR * steps[0]!.p99;
      const signalAt = steps.findIndex((s) => s.load > target());
      const window = (i: number) => steps.slice(i, i + FOR_STEPS);
      const p99At = steps.findIndex((_, i) => window(i).length === FOR_STEPS && window(i).every((s) => s.p99 > threshold));
      const table = stepTable(steps);
      const at = (i: number) => (i < 0 ? 'never' : `at ${steps[i]!.clients} clients`);
      seen.push(`ramp ${attempt}: the signal passed ${target()} ${at(signalAt)}, p99 stayed over ${threshold.toFixed(0)} ms ${at(p99At)}\n${table}`);
      shown = signalAt >= 0 && p99At >= 0 && signalAt < p99At;
    }
    expect(shown, seen.join('\n\n')).toBe(true);
  }, 240_000);
});
