// The remote engine against a scripted OpenAI-compatible upstream on 127.0.0.1: auth headers,
// retries with backoff on 429/5xx only, timeouts, and the 502/503/504 mapping.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { secretEnvName, type ServiceConfig } from '../config.js';
import type { RemoteModel } from '../../../contract/environment.js';
import { RemoteEngine, remoteTarget } from './remote.js';
import type { ChatRequest } from './types.js';
import { readChatRequest } from '../chat-request.js';
import type { ChatCompletionRequest } from '../openai-wire.js';
import { freePort, logSink, renderedRuntimeConfig } from '../../../test/helpers/service.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let script: Handler[] = [];
const seen: { headers: IncomingMessage['headers']; body: string; url: string }[] = [];
let server: Server;
let base: string;

const completion = (content: string) => JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
const ok: Handler = (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(completion('upstream says hi'));
const status = (code: number, headers: Record<string, string> = {}): Handler => (_q, res) => res.writeHead(code, headers).end('{"error":{"message":"nope"}}');

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body, url: req.url ?? '' });
      (script.shift() ?? ok)(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  script = [];
  seen.length = 0;
});

function engine(auth: 'bearer' | 'jwt' | 'api-key' = 'bearer', timeoutMs = 2000, endpoint = base) {
  const staging = renderedRuntimeConfig('staging');
  const model = staging.model as Extract<ServiceConfig['model'], { source: 'remote' }>;
  const secretRef = model.auth.secretRef;
  process.env[secretEnvName(secretRef)] = 'upstream-secret-value';
  const config: ServiceConfig = { ...staging, model: { ...model, endpoint, auth: { type: auth, secretRef }, timeoutMs } };
  return new RemoteEngine(remoteTarget(config, config.model as RemoteModel), 'smart-bot-large', logSink().log, { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 });
}
const limits = { modelIds: ['smart-bot-large'], maxTokens: 16, defaultTemperature: 0, maxMessageChars: 1000, maxPromptChars: 2000 };
const req = (wire: ChatCompletionRequest = { messages: [{ role: 'user', content: 'hi' }] }): ChatRequest => ({ ...readChatRequest(wire, limits), signal: new AbortController().signal });

describe('remote engine', () => {
  it('sends the model, messages and a bearer credential from the Secret', async () => {
    const r = await engine().chat(req());
    expect(r).toEqual({ content: 'upstream says hi', finishReason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
    expect(seen[0]!.url).toBe('/v1/chat/completions');
    expect(seen[0]!.headers.authorization).toBe('Bearer upstream-secret-value');
    expect(JSON.parse(seen[0]!.body)).toEqual({ model: 'smart-bot-large', messages: [{ role: 'user', content: 'hi' }], temperature: 0, max_tokens: 16, stream: false });
  });

  it('forwards the OpenAI fields as the client sent them, with the upstream model name', async () => {
    const wire: ChatCompletionRequest = {
      model: 'smart-bot-large',
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":20}' },
      ],
      max_completion_tokens: 8,
      stop: ['\n'],
      seed: 7,
      top_p: 0.5,
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      response_format: { type: 'json_object' },
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      tool_choice: 'auto',
    };
    await engine().chat(req(wire));
    expect(JSON.parse(seen[0]!.body)).toEqual({ ...wire, temperature: 0, stream: false });
    await engine().chat(req({ ...wire, stream: true, stream_options: { include_usage: false } }), () => {});
    expect(JSON.parse(seen[1]!.body)).toMatchObject({ stream: true, stream_options: { include_usage: true }, max_completion_tokens: 8 });
  });

  it('reads tool calls from a completion and from a stream of pieces', async () => {
    const call = { id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } };
    script = [(_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }] }))];
    expect(await engine().chat(req())).toMatchObject({ content: null, toolCalls: [call], finishReason: 'tool_calls' });
    script = [
      (_q, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const pieces = [{ index: 0, id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '' } }, { index: 0, function: { arguments: '{"city":' } }, { index: 0, function: { arguments: '"Oslo"}' } }];
        for (const p of pieces) res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: [p] }, finish_reason: null }] })}\n\n`);
        res.end(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] })}\n\ndata: [DONE]\n\n`);
      },
    ];
    expect(await engine().chat(req(), () => {})).toMatchObject({ content: null, toolCalls: [call], finishReason: 'tool_calls' });
  });

  it('sends a JWT as a bearer token and an api-key in the api-key header', async () => {
    await engine('jwt').chat(req());
    expect(seen[0]!.headers.authorization).toBe('Bearer upstream-secret-value');
    await engine('api-key').chat(req());
    expect(seen[1]!.headers['api-key']).toBe('upstream-secret-value');
    expect(seen[1]!.headers.authorization).toBeUndefined();
  });

  it('retries 5xx and 429 with backoff, then succeeds', async () => {
    script = [status(503), status(429, { 'retry-after': '0' }), ok];
    const r = await engine().chat(req());
    expect(r.content).toBe('upstream says hi');
    expect(seen).toHaveLength(3);
  });

  it('gives up after the attempts with 502', async () => {
    script = [status(500), status(502), status(500)];
    await expect(engine().chat(req())).rejects.toMatchObject({ code: 'upstream_error', status: 502 });
    expect(seen).toHaveLength(3);
  });

  it("relays an upstream's 400 as the client's, in its words and code, without retrying", async () => {
    const refusal = { error: { message: "This model's maximum context length is 2048 tokens. However, your messages resulted in 3026 tokens. Please reduce the length of the messages.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } };
    script = [(_q, res) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(refusal))];
    await expect(engine().chat(req())).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages', message: refusal.error.message });
    expect(seen).toHaveLength(1);
    script = [(_q, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error": {"message": "bad thing", "code": "some_vendor_code"}}')];
    await expect(engine().chat(req())).rejects.toMatchObject({ status: 400, code: 'invalid_request', param: null, message: 'bad thing' });
    script = [(_q, res) => res.writeHead(400).end('<html>nope</html>')];
    await expect(engine().chat(req())).rejects.toMatchObject({ status: 400, code: 'invalid_request', message: 'The upstream model API refused the request: <html>nope</html>' });
  });

  it('never retries other 4xx: 401 and 404 are one attempt and a 502', async () => {
    for (const code of [401, 404]) {
      seen.length = 0;
      script = [status(code)];
      await expect(engine().chat(req())).rejects.toMatchObject({ code: 'upstream_error', status: 502, message: `The upstream model API rejected the request (${code}).` });
      expect(seen).toHaveLength(1);
    }
  });

  it('times out each attempt and answers 504', async () => {
    const hang: Handler = () => {};
    script = [hang, hang, hang];
    const started = Date.now();
    await expect(engine('bearer', 150).chat(req())).rejects.toMatchObject({ code: 'upstream_timeout', status: 504, message: 'The upstream model API did not answer within 150 ms.' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('an unreachable upstream is 503 and not ready', async () => {
    const port = await freePort();
    const e = engine('bearer', 500, `http://127.0.0.1:${port}/v1`);
    await expect(e.chat(req())).rejects.toMatchObject({ code: 'upstream_unavailable', status: 503 });
    expect(await e.readiness()).toEqual({ ready: false, reason: `upstream unreachable: connect ECONNREFUSED 127.0.0.1:${port}` });
  });

  it('a malformed answer is a 502', async () => {
    script = [(_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": []}')];
    await expect(engine().chat(req())).rejects.toMatchObject({ code: 'upstream_error', message: 'The upstream model API answered without choices[0].message.content.' });
  });

  it('relays stream deltas as they arrive', async () => {
    script = [
      (_q, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const t of ['Hel', 'lo', '!']) res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: t }, finish_reason: null }] })}\n\n`);
        res.end(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }] })}\n\ndata: [DONE]\n\n`);
      },
    ];
    const deltas: string[] = [];
    const r = await engine().chat(req(), (d) => deltas.push(d));
    expect(deltas).toEqual(['Hel', 'lo', '!']);
    expect(r).toMatchObject({ content: 'Hello!', finishReason: 'length' });
    expect(JSON.parse(seen[0]!.body).stream).toBe(true);
  });

  it('streamed answers reuse one connection to the upstream, whose body ends after [DONE]', async () => {
    // As llama-server does: `[DONE]` in one write, the end of the chunked body in the next.
    const ports: number[] = [];
    let ended: Promise<void> = Promise.resolve();
    const streamed: Handler = (q, res) => {
      ports.push(q.socket.remotePort!);
      ended = new Promise((r) => res.on('finish', () => r()));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`);
      setTimeout(() => res.end(), 20);
    };
    script = [streamed, streamed];
    const e = engine();
    for (let i = 0; i < 2; i++) {
      expect(await e.chat(req(), () => {})).toMatchObject({ content: 'Hi', finishReason: 'stop' });
      // The body's end is sent, then read by the engine in the background: time for that on a busy machine.
      await ended;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(ports).toHaveLength(2);
    expect(ports[1]).toBe(ports[0]);
  });

  it('an error event mid-stream fails the request after the deltas it relayed', async () => {
    script = [
      (_q, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] })}\n\n`);
        res.end('data: {"error":{"message":"Internal server error.","type":"server_error","param":null,"code":"internal_error"}}\n\ndata: [DONE]\n\n');
      },
    ];
    const deltas: string[] = [];
    await expect(engine().chat(req(), (d) => deltas.push(d))).rejects.toMatchObject({ code: 'upstream_error', status: 502, message: 'The upstream model API failed mid-stream: Internal server error.' });
    expect(deltas).toEqual(['Hel']);
  });

  it('a malformed stream chunk and a non-JSON answer are 502', async () => {
    script = [(_q, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: {"choices": [\n\n')];
    await expect(engine().chat(req(), () => {})).rejects.toMatchObject({ code: 'upstream_error', status: 502, message: 'The upstream model API sent a malformed stream chunk.' });
    script = [(_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy error</html>')];
    await expect(engine().chat(req())).rejects.toMatchObject({ code: 'upstream_error', status: 502, message: 'The upstream model API answered without choices[0].message.content.' });
  });

  it('readiness asks GET /models with the credential', async () => {
    expect(await engine().readiness()).toEqual({ ready: true });
    expect(seen[0]!.url).toBe('/v1/models');
    script = [status(401)];
    expect(await engine().readiness()).toEqual({ ready: false, reason: 'upstream answered 401' });
  });

  it('a missing Secret is named, with where to put it', async () => {
    const e = engine();
    const staging = renderedRuntimeConfig('staging');
    const ref = (staging.model as Extract<ServiceConfig['model'], { source: 'remote' }>).auth.secretRef;
    delete process.env[secretEnvName(ref)];
    await expect(e.chat(req())).rejects.toThrow(`secret smartbot-upstream/token is not set: mount it at /var/run/secrets/smartbot/smartbot-upstream/token or set $SMARTBOT_SECRET_SMARTBOT_UPSTREAM_TOKEN`);
  });
});
