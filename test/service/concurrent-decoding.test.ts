// Concurrent requests on the local engine (service/src/engine/decode-loop.ts):
// - every greedy reply is exact however the requests interleave, also where libuv's pool has
//   more than one thread (any start but npm start and the images). Before, sequences sampled at
//   once on the pool raced on llama.cpp's lazy reorder of a batch's outputs and read each
//   other's logits ("… for real real answers."). The race needs a batch whose outputs come out
//   of order (one request's prompt beside the others' next tokens: requests arriving at
//   different times) and a vocabulary large enough that the reorder takes a while: a table
//   model with 32,000 tokens, as real models have; its process runs with UV_THREADPOOL_SIZE=4;
// - four streams decode together: every sequence is in every batch (before: three of four);
// - a request that arrives while another answer decodes starts at the next batch. Before, its
//   sequence's erase waited for the context's lock, which the decode loop held until every
//   answer in it had finished: concurrent requests ran as groups one after the other.
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_FILE, replyModel } from '../../gguf/demo-model.js';
import { sha256File } from '../../gguf/inspect.js';
import type { ServiceConfig } from '../../service/src/config.js';
import type { DecodeStats } from '../../service/src/engine/decode-loop.js';
import type { LocalEngine } from '../../service/src/engine/local.js';
import { readChunks } from '../../service/src/openai-wire.js';
import type { RunningService } from '../../service/src/service.js';
import { repoRoot } from '../helpers/env.js';
import { freePort, freshKeys, renderedRuntimeConfig, startDemoService, tempKeyring } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';

/** Batches by how many sequences each held, prompt or not. */
function batchWidths(stats: DecodeStats): Record<number, number> {
  const out: Record<number, number> = { ...stats.generation.batches };
  for (const [width, n] of Object.entries(stats.prompt.batches)) out[Number(width)] = (out[Number(width)] ?? 0) + n;
  return out;
}

const REPLY = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty';
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** The service as its own process on a wide-vocabulary reply model, with libuv's default pool of 4. */
async function startWideVocabService(): Promise<{ url: string; key: string }> {
  const dir = tempDir('smartbot-concurrent-');
  const model = join(dir, 'wide-vocab.gguf');
  writeFileSync(model, replyModel(REPLY, { name: 'wide-vocab', padding: 32_000 }));
  const keys = freshKeys();
  const dev = renderedRuntimeConfig('dev');
  const { runtime: _inProcess, ...rest } = dev;
  const port = await freePort();
  const config: ServiceConfig = {
    ...rest,
    listen: { host: '127.0.0.1', port },
    model: { ...(dev.model as Extract<ServiceConfig['model'], { source: 'local' }>), path: model, sha256: await sha256File(model), contextSize: 1024 },
    inference: { ...dev.inference, parallelSequences: 4 },
    threads: 1,
    auth: { keyringFile: tempKeyring([keys.chat.entry]).file },
  };
  writeFileSync(join(dir, 'runtime.json'), JSON.stringify(config));
  const child = spawn(process.execPath, [join(repoRoot, 'dist/service/src/entries/main.js'), '--config', join(dir, 'runtime.json')], {
    env: { ...process.env, UV_THREADPOOL_SIZE: '4' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) break;
    if (child.exitCode !== null || i > 200) throw new Error(`the service did not get ready: ${stderr.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, key: keys.chat.key };
}

describe('concurrent requests on the local engine', () => {
  let wide: { url: string; key: string };
  beforeAll(async () => {
    wide = await startWideVocabService();
  }, 60_000);

  it('every greedy reply is exact while requests arrive at different times and decode together (libuv pool of 4)', async () => {
    const ask = async (content: string, delayMs: number) => {
      await new Promise((r) => setTimeout(r, delayMs));
      const r = await fetch(`${wide.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${wide.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'wide-vocab', messages: [{ role: 'user', content }], temperature: 0, max_tokens: 64 }),
      });
      expect(r.status).toBe(200);
      return ((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
    };
    const wrong: string[] = [];
    // Bounded: 50 rounds of 6 requests (4 sequences, so 2 wait and start beside the others'
    // tokens). Before the fix, 4–7 replies in 160–180 came out wrong: 50 rounds fail it
    // almost surely.
    for (let round = 0; round < 50; round++) {
      const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => ask(`${round}.${i} ${'x '.repeat(2 + ((i * 7 + round) % 23))}`, ((i * 5 + round) % 4) * 3)));
      wrong.push(...replies.filter((r) => r !== REPLY).map((r) => `round ${round}: ${r}`));
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('four streams put all four sequences in every batch', async () => {
    let demo: RunningService | undefined;
    try {
      const started = await startDemoService({ changes: (c) => ({ ...c, inference: { ...c.inference, parallelSequences: 4 } }) });
      demo = started.service;
      const ask = (content: string) =>
        fetch(`${demo!.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${started.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content }], temperature: 0 }),
        }).then((r) => r.json() as Promise<{ usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } } }>);
      // Four prompts of one length, so the four answers run step for step.
      const answers = await Promise.all(['q1', 'q2', 'q3', 'q4'].map(ask));
      const stats = (demo.deps.models.default.engine as LocalEngine).decodeStats()!;
      const widths = batchWidths(stats);
      const batches = Object.values(widths).reduce((a, b) => a + b, 0);
      // The demo reply is 35 tokens: its steps are four wide; a prompt may arrive alone.
      expect(widths[4] ?? 0, JSON.stringify(widths)).toBeGreaterThanOrEqual(30);
      expect(batches - (widths[4] ?? 0), JSON.stringify(widths)).toBeLessThanOrEqual(4);
      // Every token evaluated once: each prompt's part its sequence did not hold, and each answer's tokens but the last.
      const evaluated = answers.reduce((n, { usage: u }) => n + u.prompt_tokens - u.prompt_tokens_details.cached_tokens + u.completion_tokens - 1, 0);
      expect(stats.prompt.tokens + stats.generation.tokens).toBe(evaluated);
      // /metrics carries the same totals (read at the scrape).
      const body = (await (demo.admin ?? demo.app).inject({ method: 'GET', url: '/metrics' })).body;
      const series = (name: string, labels: string) => Number(new RegExp(`^${name}\\{model="demo",${labels}\\} (\\S+)$`, 'm').exec(body)?.[1]);
      expect({
        fourWide: series('smartbot_decode_batches_total', 'batch="generation",sequences="4"'),
        promptTokens: series('smartbot_decode_tokens_total', 'batch="prompt"'),
        generationTokens: series('smartbot_decode_tokens_total', 'batch="generation"'),
      }).toEqual({ fourWide: stats.generation.batches[4], promptTokens: stats.prompt.tokens, generationTokens: stats.generation.tokens });
      expect(series('smartbot_decode_seconds_total', 'batch="generation"')).toBeGreaterThan(0);
    } finally {
      await demo?.close();
    }
  });

  it('a request that arrives while another answer decodes starts at the next batch, not after that answer', async () => {
    // A reply of 800 distinct words, so that the first answer is still decoding when the second arrives.
    const dir = tempDir('smartbot-long-reply-');
    const file = join(dir, DEMO_MODEL_FILE);
    writeFileSync(file, replyModel(Array.from({ length: 800 }, (_, i) => `w${i}`).join(' '), { name: 'long-reply' }));
    const sha256 = await sha256File(file);
    let demo: RunningService | undefined;
    try {
      const started = await startDemoService({
        changes: (c) => ({ ...c, model: { ...(c.model as Extract<ServiceConfig['model'], { source: 'local' }>), sha256, sizeBytes: statSync(file).size }, inference: { ...c.inference, parallelSequences: 2, maxTokens: 1000 } }),
        start: { modelsDir: dir },
      });
      demo = started.service;
      const ask = (content: string, maxTokens: number, stream = false) =>
        fetch(`${demo!.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${started.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content }], temperature: 0, max_tokens: maxTokens, stream }),
        });
      /** Streams an answer to its end; `whileDecoding` is called once, at its first delta, while the rest decodes (not awaited). */
      const streamed = async (content: string, maxTokens: number, whileDecoding: () => Promise<unknown>) => {
        const r = await ask(content, maxTokens, true);
        expect(r.status).toBe(200);
        let during: Promise<unknown> | undefined;
        for await (const piece of readChunks(r.body! as AsyncIterable<Uint8Array>)) if (piece.delta) during ??= whileDecoding();
        return { during };
      };
      // Each sequence holds a prompt of its own (the second is asked while the first decodes, so
      // it gets the other sequence): whichever the short request gets, it must erase what it holds.
      await (await streamed('first', 100, () => ask('second', 2).then((r) => r.text()))).during;
      const done: string[] = [];
      // Sent once the long answer decodes: it asks for 2 tokens, the long one has hundreds left.
      const short = await streamed('a long answer', 1000, () => ask('a short answer', 2).then(async (r) => void done.push(`short ${r.status} ${((await r.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens}`)));
      done.push('long');
      await short.during;
      expect(done).toEqual(['short 200 2', 'long']);
      const widths = batchWidths((demo.deps.models.default.engine as LocalEngine).decodeStats()!);
      expect(widths[2] ?? 0, JSON.stringify(widths)).toBeGreaterThanOrEqual(1);
    } finally {
      await demo?.close();
    }
  });
});
