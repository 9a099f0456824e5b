// No request stalls the process: while the largest prompt the caps allow is measured against
// the context, /healthz keeps answering within 100 ms; and a client that goes away mid-answer
// frees its sequence at once, is logged once as status=499 aborted=true and is counted.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../service/src/service.js';
import type { LocalModel } from '../../contract/environment.js';
import { renderedRuntimeConfig, startDemoService } from '../helpers/service.js';

let demo: RunningService;
let key: string;
let lines: string[];
beforeAll(async () => {
  // Prod's context and caps (the largest shipped: 16384 characters a message, 32768 a request),
  // and one sequence: a request waits until the one before it has let go of it.
  const prod = renderedRuntimeConfig('prod');
  const started = await startDemoService({
    changes: (c) => ({
      ...c,
      model: { ...(c.model as LocalModel), contextSize: (prod.model as LocalModel).contextSize },
      inference: { ...c.inference, parallelSequences: 1 },
      http: { ...c.http, maxMessageChars: prod.http.maxMessageChars, maxPromptChars: prod.http.maxPromptChars, bodyLimitBytes: prod.http.bodyLimitBytes },
    }),
  });
  ({ service: demo, key } = started);
  lines = started.sink.lines;
}, 60_000);
afterAll(() => demo?.close());

const chat = (body: object, signal?: AbortSignal) =>
  fetch(`${demo.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });

/** Polls /healthz every 5 ms until `until` settles; resolves with the slowest answer (ms) and how many were made. */
async function probeHealth(until: Promise<unknown>): Promise<{ slowest: number; probes: number }> {
  let done = false;
  void until.finally(() => (done = true));
  let slowest = 0;
  let probes = 0;
  while (!done) {
    const started = performance.now();
    const r = await fetch(`${demo.url}/healthz`);
    await r.body?.cancel();
    slowest = Math.max(slowest, performance.now() - started);
    probes++;
    await new Promise((r) => setTimeout(r, 5));
  }
  return { slowest, probes };
}

describe('no request stalls the process', () => {
  // The largest prompt the caps allow, in CJK: the tokeniser's worst case (3 byte tokens a
  // character for the demo model; tokenised whole, one such message blocks for a quarter of a
  // second or more) — refused after counting in pieces. The largest prompt tokenised whole (just
  // under twice the context) — refused after an exact count. The largest that fits — answered.
  const cjk = (chars: number) => Array.from({ length: 2 }, (_, i) => ({ role: 'user', content: (i ? '好' : '你').repeat(chars / 2) }));
  const context = () => (demo.deps.config.model as LocalModel).contextSize;
  it.each([
    ['the largest allowed prompt (CJK)', () => ({ messages: cjk(demo.deps.config.http.maxPromptChars) }), 400],
    ['the largest prompt counted exactly', () => ({ messages: [{ role: 'user', content: 'a'.repeat(2 * context() - 100) }] }), 400],
    ['the largest prompt that fits', () => ({ messages: [{ role: 'user', content: 'a'.repeat(context() - 100) }], max_tokens: 8 }), 200],
  ] as const)('/healthz answers within 100 ms while %s is tokenised', async (_what, body, status) => {
    // A stall is the same on every try; a machine too busy to schedule this process for 100 ms
    // is not. So the best of three tries must stay under 100 ms.
    let best = { health: Infinity, loop: Infinity };
    for (let attempt = 0; attempt < 3 && Math.max(best.health, best.loop) >= 100; attempt++) {
      // The service runs in this process: its event loop is this one, measured as well as probed.
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const answer = chat(body());
      const health = await probeHealth(answer);
      const r = await answer;
      loop.disable();
      expect(r.status).toBe(status);
      if (status === 400) expect((await r.json()).error.code).toBe('context_length_exceeded');
      expect(health.probes).toBeGreaterThanOrEqual(1);
      const tried = { health: health.slowest, loop: loop.max / 1e6 };
      if (Math.max(tried.health, tried.loop) < Math.max(best.health, best.loop)) best = tried;
    }
    expect(best.health, 'slowest /healthz (ms)').toBeLessThan(100);
    expect(best.loop, 'longest event-loop delay (ms)').toBeLessThan(100);
  });

  it('a client that goes away mid-stream: its sequence is free at once, one 499 line, counted', async () => {
    // An answer that runs long: the JSON grammar keeps the demo model writing until max_tokens.
    const abort = new AbortController();
    const r = await chat({ messages: [{ role: 'user', content: 'hi' }], stream: true, max_tokens: 512, response_format: { type: 'json_object' } }, abort.signal);
    const reader = r.body!.getReader();
    await reader.read(); // the role chunk: the answer has started
    await reader.read(); // and the model is writing
    abort.abort();

    // The only sequence is free again: the next request is answered, not queued behind 512 tokens.
    const started = performance.now();
    const next = await chat({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    expect(next.status).toBe(200);
    expect((await next.json()).choices[0].finish_reason).toBe('length');
    expect(demo.deps.models.queueDepth()).toBe(0);
    const aborted = lines.filter((l) => l.includes('aborted=true'));
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toMatch(/^\[[\d-]+ [\d:]+\] \[INFO\] request completed reqId=\S+ method=POST route=\/v1\/chat\/completions status=499 ms=\d+ model=demo aborted=true\n$/);
    expect(lines.join('')).not.toMatch(/\[ERROR\]/);
    const metrics = await (await fetch(`${demo.url}/metrics`)).text();
    expect(metrics).toMatch(/smartbot_http_requests_total\{route="\/v1\/chat\/completions",method="POST",status="499"\} 1/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
