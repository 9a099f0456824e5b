// Several models end to end: `smartbot start --env trio --secrets-dir … --models-dir …` in a copy
// of the repository serves two local demo models (real llama.cpp, in-process) and a remote one —
// a stand-in OpenAI-compatible API on 127.0.0.1 that checks the bearer key from the secrets
// directory and can be told to answer 503, to break a stream, or be shut down. Routing by id (the
// openai SDK choosing `model` too), 404 for an unknown id, fallback when the stand-in is down and
// when it answers 503 (the response says so), a prompt over the small model's context answered by
// the large one, and a stream that must not fall back once its first byte is out.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_REPLY, SECOND_DEMO_REPLY } from '../../gguf/demo-model.js';
import { repoRoot } from '../helpers/env.js';
import { runCli } from '../helpers/cli.js';
import { tempRepo } from '../helpers/repo.js';
import { freePort } from '../helpers/service.js';

const HOSTED_REPLY = 'Hello from the hosted stand-in.';
const UPSTREAM_KEY = 'upstream-bearer-for-the-stand-in';

/** The remote model API: OpenAI's chat completions (plain and streamed), its mode set by the test. */
class StandIn {
  mode: 'ok' | '503' | 'break-stream' = 'ok';
  requests = 0;
  private server?: Server;
  constructor(readonly port: number) {}

  start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${UPSTREAM_KEY}`) return void res.writeHead(401).end();
      if (req.method === 'GET' && req.url === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: 'big', object: 'model' }] });
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => {
        this.requests++;
        if (this.mode === '503') return json(res, 503, { error: { message: 'overloaded', type: 'server_error', code: null } });
        const { model, stream } = JSON.parse(body) as { model: string; stream?: boolean };
        const base = { id: 'chatcmpl-standin', created: 1, model };
        if (!stream) return json(res, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: HOSTED_REPLY }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 6, total_tokens: 9 } });
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = (content: string) => res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`);
        chunk('Hello from ');
        if (this.mode === 'break-stream') return void setTimeout(() => res.destroy(), 50);
        chunk('the hosted stand-in.');
        res.end(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 6, total_tokens: 9 } })}\n\ndata: [DONE]\n\n`);
      });
    });
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? (this.server.closeAllConnections(), this.server.close(() => resolve())) : resolve()));
  }
}

const json = (res: ServerResponse, status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));

const multi = readFileSync(join(repoRoot, 'environments/multi.yaml'), 'utf8');
const repo = tempRepo(['dev']);
let standIn: StandIn;
let child: ChildProcess | undefined;
let out = '';
let base = '';
let admin = '';
let token = '';

beforeAll(async () => {
  standIn = new StandIn(await freePort());
  await standIn.start();
  // environments/multi.yaml with its hosted model on the stand-in: the committed example, on loopback.
  repo.write('environments/trio.yaml', multi.replace('https://api.example.com/v1', `http://127.0.0.1:${standIn.port}/v1`).replace('smartbot-multi', 'smartbot-trio'));
  repo.write('keyrings/multi.json', '{"version": 2, "keys": []}\n');
  const secrets = join(repo.root, 'secrets', 'smartbot-upstream');
  mkdirSync(secrets, { recursive: true });
  writeFileSync(join(secrets, 'token'), `${UPSTREAM_KEY}\n`);
  const [port, adminPort] = [await freePort(), await freePort()];
  child = spawn(process.execPath, [join(repoRoot, 'bin/smartbot.js'), 'start', '--env', 'trio', '--secrets-dir', 'secrets', '--models-dir', 'local-models'], {
    cwd: repo.root,
    env: { ...process.env, PORT: String(port), ADMIN_PORT: String(adminPort), UV_THREADPOOL_SIZE: '1' },
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  for (let i = 0; i < 600 && !/^ADMIN_TOKEN=/m.test(out) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
  token = /^YOUR_TOKEN=(\S+)$/m.exec(out)?.[1] ?? '';
  base = `http://127.0.0.1:${port}`;
  admin = `http://127.0.0.1:${adminPort}`;
}, 90_000);

afterAll(async () => {
  if (child?.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  await standIn?.stop();
  rmSync(dirname(repo.root), { recursive: true, force: true }); // the repository and its "outside" sibling
});

const chat = (body: object) => fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'Who are you?' }], ...body }) });
const says = async (r: Response) => ({ status: r.status, model: r.headers.get('x-smartbot-model'), fallback: r.headers.get('x-smartbot-fallback'), answer: (await r.json()) as { model?: string; choices?: { message: { content: string } }[]; error?: { code: string; message: string } } });
const fallbacks = async () => (await (await fetch(`${admin}/metrics`)).text()).split('\n').filter((l) => l.startsWith('smartbot_fallbacks_total{'));

describe('smartbot start --env with several models', () => {
  it('makes the built-in models, and says which models it serves', () => {
    expect(out).toContain('made the demo model: local-models/demo.gguf');
    expect(out).toContain('made the built-in model: local-models/demo-second.gguf');
    expect(out).toContain('Models: small (default) → falls back to large; large; hosted → falls back to small. Choose one with "model" in the request.');
    expect(token).toMatch(/^eyJ/);
  });

  it('serves all three ids, each answering by itself', async () => {
    const list = await (await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(list.data.map((m: { id: string }) => m.id)).toEqual(['small', 'large', 'hosted']);
    for (const [model, reply] of [['small', DEMO_REPLY], ['large', SECOND_DEMO_REPLY], ['hosted', HOSTED_REPLY]] as const) {
      const r = await says(await chat({ model }));
      expect([r.status, r.model, r.fallback, r.answer.model, r.answer.choices?.[0]?.message.content]).toEqual([200, model, null, model, reply]);
    }
    // No model: the default answers (the guide's endpoint too).
    const guide = await fetch(`${base}/api/v1/chat`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: '你好' }] }) });
    expect([guide.headers.get('x-smartbot-model'), (await guide.json()).choices[0].message.content]).toEqual(['small', DEMO_REPLY]);
  }, 60_000);

  it('an unknown id is 404 model_not_found naming the ids served', async () => {
    const r = await says(await chat({ model: 'gpt-4o' }));
    expect([r.status, r.answer.error]).toEqual([404, { message: 'The model "gpt-4o" does not exist on this server; it serves "small", "large", "hosted".', type: 'invalid_request_error', param: 'model', code: 'model_not_found' }]);
  });

  it('the openai SDK chooses the model, plain and streaming', async () => {
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: token, maxRetries: 0 });
    const plain = await client.chat.completions.create({ model: 'large', messages: [{ role: 'user', content: 'hello' }] });
    expect([plain.model, plain.choices[0]!.message.content]).toEqual(['large', SECOND_DEMO_REPLY]);
    let text = '';
    const models = new Set<string>();
    for await (const chunk of await client.chat.completions.create({ model: 'hosted', messages: [{ role: 'user', content: 'stream' }], stream: true })) {
      models.add(chunk.model);
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect([text, [...models]]).toEqual([HOSTED_REPLY, ['hosted']]);
  }, 60_000);

  it('the stand-in answering 503: a request for hosted is answered by its fallback, and the response says so', async () => {
    standIn.mode = '503';
    try {
      const r = await says(await chat({ model: 'hosted' }));
      expect([r.status, r.model, r.fallback, r.answer.model, r.answer.choices?.[0]?.message.content]).toEqual([200, 'small', 'hosted->small', 'small', DEMO_REPLY]);
      expect(await fallbacks()).toContain('smartbot_fallbacks_total{from="hosted",to="small",reason="upstream_error"} 1');
    } finally {
      standIn.mode = 'ok';
    }
  }, 60_000);

  it('a prompt over the small model\'s context is answered by the larger one', async () => {
    // The demo models' vocabulary has no piece for these: one byte token each, ≈ 3000 tokens.
    const r = await says(await chat({ model: 'small', max_tokens: 16, messages: [{ role: 'user', content: 'z'.repeat(3000) }] }));
    expect([r.status, r.model, r.fallback]).toEqual([200, 'large', 'small->large']);
    expect(await fallbacks()).toContain('smartbot_fallbacks_total{from="small",to="large",reason="context_length"} 1');
  }, 60_000);

  it('a stream that breaks after its first byte is not answered again by a fallback', async () => {
    standIn.mode = 'break-stream';
    try {
      const r = await chat({ model: 'hosted', stream: true });
      expect([r.status, r.headers.get('x-smartbot-model'), r.headers.get('x-smartbot-fallback')]).toEqual([200, 'hosted', null]);
      const events = (await r.text()).split('\n\n').filter(Boolean);
      expect(JSON.parse(events[1]!.slice(6)).choices[0].delta).toEqual({ content: 'Hello from ' });
      expect(JSON.parse(events.at(-2)!.slice(6)).error.code).toBe('upstream_error');
      expect(events.at(-1)).toBe('data: [DONE]');
      expect((await fallbacks()).filter((l) => l.includes('from="hosted"'))).toEqual(['smartbot_fallbacks_total{from="hosted",to="small",reason="upstream_error"} 1']);
    } finally {
      standIn.mode = 'ok';
    }
  }, 60_000);

  /** `smartbot smoke --env trio` (the repository copy's environment) against the running service: its functional checks. */
  const smoke = async () => {
    writeFileSync(join(repo.root, 'token'), token);
    const r = await runCli('smoke', '--url', base, '--token-file', join(repo.root, 'token'), '--env', 'trio', '--root', repo.root, '--metrics-url', `${admin}/metrics`, '--duration', '1s', '--concurrency', '1', '--max-requests', '2', '--format', 'json');
    const report = JSON.parse(r.out) as { functional: { name: string; status: string; detail: string }[] };
    return { code: r.code, checks: report.functional.filter((c) => c.name.startsWith('model ') || c.name === 'fallbacks').map((c) => `${c.name}: ${c.status} ${c.detail.replace(/, \d+ tokens in [\d.]+ s/, '')}`) };
  };

  it('`smartbot smoke` checks every model and the fallbacks', async () => {
    expect((await smoke()).checks).toEqual([
      'model small: pass 200 chat.completion, finish stop',
      'model large: pass 200 chat.completion, finish stop',
      'model hosted: pass 200 chat.completion, finish stop',
      'fallbacks: pass small → large, hosted → small: every fallback answers by itself',
    ]);
  }, 60_000);

  it('the stand-in down: hosted is answered by its fallback; /readyz stays ready and names it', async () => {
    await standIn.stop();
    const r = await says(await chat({ model: 'hosted' }));
    expect([r.status, r.model, r.fallback, r.answer.choices?.[0]?.message.content]).toEqual([200, 'small', 'hosted->small', DEMO_REPLY]);
    expect(await fallbacks()).toContain('smartbot_fallbacks_total{from="hosted",to="small",reason="unreachable"} 1');
    const ready = await (await fetch(`${base}/readyz`)).json();
    expect(ready).toEqual({ status: 'ready', model: 'small', notReady: { hosted: expect.stringMatching(/^upstream unreachable: .*ECONNREFUSED/) } });
  }, 60_000);

  it('`smartbot smoke` fails a model that answers only through its fallback', async () => {
    const r = await smoke();
    expect(r.checks).toContain('model hosted: fail answered by small through its fallback (hosted->small): hosted itself did not answer');
    expect(r.code).toBe(1);
  }, 60_000);
});
