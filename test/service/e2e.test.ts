// The real thing over real HTTP: the rendered dev runtime config, the demo GGUF model through
// real llama.cpp inference, the official openai SDK; then a second instance configured as a
// remote source with bearer auth in front of the first.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoModel, DEMO_MODEL_FILE, DEMO_REPLY } from '../../gguf/demo-model.js';
import { secretEnvName } from '../../service/src/config.js';
import { verifyModels } from '../../service/src/engine/local.js';
import { startService, type RunningService } from '../../service/src/service.js';
import type { LocalModel } from '../../contract/environment.js';
import { demoConfig, freshKeys, logSink, renderedRuntimeConfig, tempKeyring } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';

const modelsDir = tempDir('smartbot-models-');
writeFileSync(join(modelsDir, DEMO_MODEL_FILE), buildDemoModel());
const keys = freshKeys();
const ring = tempKeyring([keys.chat.entry]);
const guide = { messages: [{ role: 'user', content: '你好,介绍一下自己' }], temperature: 0.7 };

let local: RunningService;
let remote: RunningService;
const upstreamToken = freshKeys().chat;
const localSink = logSink();
const remoteSink = logSink();

beforeAll(async () => {
  // The dev config exactly as rendered, but on an ephemeral loopback port with a test keyring
  // and one decoding thread (test/helpers/service.ts says why).
  ring.write([keys.chat.entry, upstreamToken.entry]);
  local = await startService(demoConfig(ring.file), { modelsDir, log: localSink.log, localInference: 'in-process' });
  await local.loaded;

  // A second instance: staging's rendered config (remote source, bearer auth from a Secret),
  // pointed at the first instance, with the credential in the Secret's environment variable.
  const staging = renderedRuntimeConfig('staging');
  const model = staging.model as Extract<typeof staging.model, { source: 'remote' }>;
  process.env[secretEnvName(model.auth.secretRef)] = upstreamToken.key;
  remote = await startService(
    { ...staging, listen: { host: '127.0.0.1', port: 0 }, auth: { keyringFile: ring.file }, model: { ...model, endpoint: `${local.url}/v1`, model: 'demo' } },
    { log: remoteSink.log },
  );
}, 60_000);

afterAll(async () => {
  await remote?.close();
  await local?.close();
});

describe('local GGUF model through real llama.cpp', () => {
  it('the guide request returns a chat.completion with the demo reply', async () => {
    const r = await fetch(`${local.url}/api/v1/chat`, { method: 'POST', headers: { authorization: `Bearer ${keys.chat.key}`, 'content-type': 'application/json' }, body: JSON.stringify(guide) });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.content).toBe(DEMO_REPLY);
    expect(body.usage.completion_tokens).toBeGreaterThan(10);
  });

  it('exact reply at temperature 0, deterministic across requests', async () => {
    const client = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: keys.chat.key });
    const a = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'Who are you?' }], temperature: 0 });
    const b = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Again?' }], temperature: 0 });
    expect(a.choices[0]!.message.content).toBe(DEMO_REPLY);
    expect(b.choices[0]!.message.content).toBe(DEMO_REPLY);
    expect(a.choices[0]!.finish_reason).toBe('stop');
  });

  it('the openai SDK streams it', async () => {
    const client = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: keys.chat.key });
    const stream = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'Stream please' }], temperature: 0, stream: true });
    const parts: string[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      parts.push(chunk.choices[0]?.delta?.content ?? '');
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(parts.join('')).toBe(DEMO_REPLY);
    expect(parts.filter(Boolean).length).toBeGreaterThan(10);
    expect(finish).toBe('stop');
  });

  it('max_tokens cuts the reply with finish_reason length', async () => {
    const client = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: keys.chat.key });
    const r = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'hi' }], temperature: 0, max_tokens: 3 });
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.usage?.completion_tokens).toBe(3);
    expect(DEMO_REPLY.startsWith(r.choices[0]!.message.content!)).toBe(true);
  });

  it('concurrent requests share the context sequences and all get the exact reply', async () => {
    const client = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: keys.chat.key });
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: `q${i}` }], temperature: 0 })));
    for (const r of replies) expect(r.choices[0]!.message.content).toBe(DEMO_REPLY);
  });

  it('a prompt the sequences already hold is not evaluated again: same answer, whole prompt counted, the held part reported as cached', async () => {
    const ask = async (messages: { role: string; content: string }[]) => {
      const r = await fetch(`${local.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${keys.chat.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'demo', messages, temperature: 0 }) });
      expect(r.status).toBe(200);
      return (await r.json()) as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } } };
    };
    const question = [{ role: 'system', content: 'You answer questions about lighthouses, briefly.' }, { role: 'user', content: 'How tall is the tallest lighthouse?' }];
    const first = await ask(question);
    const again = await ask(question);
    expect(again.choices[0]!.message.content).toBe(first.choices[0]!.message.content);
    expect(again.usage.prompt_tokens).toBe(first.usage.prompt_tokens);
    expect(first.usage.prompt_tokens_details.cached_tokens).toBeLessThan(first.usage.prompt_tokens - 1);
    expect(again.usage.prompt_tokens_details.cached_tokens).toBe(again.usage.prompt_tokens - 1); // all but the token whose logits start the answer
    // The next turn of the conversation: at least the previous turn's prompt is held (its answer
    // too, as far as the text tokenises back to the tokens generated).
    const next = await ask([...question, { role: 'assistant', content: first.choices[0]!.message.content }, { role: 'user', content: 'And the oldest?' }]);
    expect(next.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(first.usage.prompt_tokens);
    expect(next.usage.prompt_tokens).toBeGreaterThan(next.usage.prompt_tokens_details.cached_tokens);
  });

  it('sequences holding nearly full contexts still take any prompt that fits: what they held past the shared prefix is dropped, not counted against it', async () => {
    const ask = async (content: string, max_tokens: number) => {
      const r = await fetch(`${local.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${keys.chat.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content }], temperature: 0, max_tokens }) });
      return { status: r.status, body: (await r.json()) as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number } } };
    };
    // The demo tokeniser reads about a token a character: ≈ 1,900 of each sequence's 2,048.
    const full = (i: number) => `${i}${'a'.repeat(1880)}`;
    const filled = await Promise.all([0, 1, 2, 3].map((i) => ask(full(i), 2)));
    expect(filled.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(filled[0]!.body.usage.prompt_tokens).toBeGreaterThan(1850);
    const short = await ask('hi', 100);
    expect(short.status).toBe(200);
    expect(short.body.choices[0]!.message.content).toBe(DEMO_REPLY);
    const refilled = await Promise.all([4, 5, 6, 7].map((i) => ask(full(i), 2)));
    expect(refilled.map((r) => [r.status, r.body.usage.prompt_tokens])).toEqual(filled.map((r) => [200, r.body.usage.prompt_tokens]));
  });

  it('a wrong token gets 401 through the SDK', async () => {
    const client = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: 'sb_wrong_key', maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
  });

  it('/metrics counts the generated tokens', async () => {
    const m = await (await fetch(`${local.url}/metrics`)).text();
    expect(m).toMatch(/smartbot_tokens_generated_total\{source="local",model="demo"\} [1-9]\d*/);
    expect(m).toMatch(/smartbot_tokens_per_second \d+/);
  });
});

describe('model loading refuses bad files', () => {
  const dev = renderedRuntimeConfig('dev');
  const model = dev.model as LocalModel;
  /** The service's pre-flight of the dev model alone, under `c`'s limits. */
  const preflight = (path: string, m: LocalModel, c: typeof dev) => verifyModels([{ id: 'demo', path, sha256: m.sha256, contextSize: m.contextSize, contextKnob: 'model.contextSize' }], c.inference.parallelSequences, c.limits.memoryBytes);

  it('a file whose sha256 differs is corrupt', async () => {
    const dir = tempDir('smartbot-models-');
    const bytes = buildDemoModel();
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(join(dir, 'demo.gguf'), bytes);
    await expect(preflight(join(dir, 'demo.gguf'), model, dev)).rejects.toThrow(new RegExp(`^model file corrupt: expected ${model.sha256} got [0-9a-f]{64} \\(`));
  });

  it('a model that does not fit the memory limit is refused with what to lower', async () => {
    const small = { ...dev, limits: { ...dev.limits, memoryBytes: 200 * 2 ** 20 } };
    await expect(preflight(join(modelsDir, DEMO_MODEL_FILE), model, small)).rejects.toThrow(
      /^model does not fit: it needs 194\.\d MiB \(weights 268\.0 KiB \+ KV cache \d\.0 MiB for 2048 tokens × \d sequences \+ overhead 192\.0 MiB\) but only 180\.0 MiB of the 200\.0 MiB limit is usable\. The weights and the engine overhead alone need 192\.3 MiB: use a smaller \(more quantised\) model, or raise resources\.memory to at least 21\d\.\d MiB\.$/,
    );
  });

  it('a missing file says so', async () => {
    await expect(preflight('/nonexistent/demo.gguf', model, dev)).rejects.toThrow('cannot read model /nonexistent/demo.gguf: no such file');
  });
});

describe('remote source: a second instance in front of the first, bearer auth', () => {
  it('is ready when the upstream answers', async () => {
    const r = await fetch(`${remote.url}/readyz`);
    expect(await r.json()).toEqual({ status: 'ready', model: 'demo' });
  });

  it('relays a plain completion', async () => {
    const client = new OpenAI({ baseURL: `${remote.url}/v1`, apiKey: keys.chat.key });
    const r = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'via remote' }], temperature: 0 });
    expect(r.choices[0]!.message.content).toBe(DEMO_REPLY);
    expect(r.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('passes a stream through', async () => {
    const client = new OpenAI({ baseURL: `${remote.url}/v1`, apiKey: keys.chat.key });
    const stream = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'stream via remote' }], temperature: 0, stream: true });
    let text = '';
    let chunks = 0;
    for await (const c of stream) (text += c.choices[0]?.delta?.content ?? ''), chunks++;
    expect(text).toBe(DEMO_REPLY);
    expect(chunks).toBeGreaterThan(10);
  });

  it("passes the OpenAI fields through: a forced tool call, a stop sequence, and the upstream's 400 as the client's", async () => {
    const client = new OpenAI({ baseURL: `${remote.url}/v1`, apiKey: keys.chat.key, maxRetries: 0 });
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 16 } }, required: ['city'] } } }];
    const called = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'weather?' }], tools, tool_choice: 'required' });
    expect(called.choices[0]!.finish_reason).toBe('tool_calls');
    const call = called.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && [call.function.name, typeof JSON.parse(call.function.arguments).city]).toEqual(['get_weather', 'string']);
    const stopped = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'hi' }], stop: ['smartbot'], temperature: 0 });
    expect(stopped.choices[0]!.message.content).toBe('Hello! I am');
    await expect(client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'a'.repeat(3000) }] })).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages' });
  });

  it('the upstream saw the bearer credential from the Secret, and nobody logged it', () => {
    expect(localSink.lines.join('')).not.toContain(upstreamToken.key);
    expect(remoteSink.lines.join('')).not.toContain(upstreamToken.key);
    expect(localSink.lines.some((l) => /route=\/v1\/chat\/completions status=200/.test(l))).toBe(true);
  });
});
