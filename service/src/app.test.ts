// Every route and every error path, through fastify's inject: exact status and body.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { mintToken } from '../../contract/jwt.js';
import { ApiError } from './errors.js';
import { LOG_LINE_PATTERN, METRICS } from '../../contract/telemetry.js';
import { freshKeys, fullSlots, scriptedDeps } from '../../test/helpers/service.js';

const { deps, keys, ring, sink, engine, store, close } = scriptedDeps();
const { config } = deps;
const app = buildApp(deps);
afterAll(async () => {
  close();
  await app.close();
});

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const guideBody = { messages: [{ role: 'user', content: '你好,介绍一下自己' }], temperature: 0.7 };
const post = (url: string, payload: unknown, headers: Record<string, string> = bearer(keys.chat.key)) =>
  app.inject({ method: 'POST', url, payload: payload as object, headers: { 'content-type': 'application/json', ...headers } });
const errorBody = (code: string, type: string, message: string, param: string | null = null) => ({ error: { message, type, param, code } });

beforeEach(() => {
  engine.fail = undefined;
  engine.refuse = undefined;
  engine.toolCalls = undefined;
  engine.gate = undefined;
  delete deps.sseHeartbeatMs;
  engine.readinessState = { ready: true };
  engine.reply = 'Hello from the script.';
  engine.calls = [];
  engine.slots = undefined;
});

describe('POST /api/v1/chat and /v1/chat/completions', () => {
  it.each(['/api/v1/chat', '/v1/chat/completions'])('%s answers the guide request with a chat.completion', async (url) => {
    const r = await post(url, guideBody);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^chatcmpl-[\w-]{16}$/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'scripted',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the script.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 },
    });
    expect(engine.calls[0]).toMatchObject({ messages: [{ role: 'user', content: '你好,介绍一下自己' }], temperature: 0.7, maxTokens: config.inference.maxTokens });
  });

  it('uses the environment default temperature when none is given', async () => {
    await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] });
    expect(engine.calls[0]!.temperature).toBe(config.inference.defaultTemperature);
  });

  it('streams SSE chunks that end in data: [DONE]', async () => {
    const r = await post('/v1/chat/completions', { ...guideBody, stream: true });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const events = r.body.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')));
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Hello from the script.');
    expect(chunks.at(-1).choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'stop' });
    for (const c of chunks) expect(c).toMatchObject({ object: 'chat.completion.chunk', model: 'scripted', id: chunks[0].id });
  });

  it('a stream starts at once, pings while it waits for the model, and carries usage when asked', async () => {
    deps.sseHeartbeatMs = 20;
    engine.gate = new Promise((r) => setTimeout(r, 150));
    const r = await post('/v1/chat/completions', { ...guideBody, stream: true, stream_options: { include_usage: true } });
    const events = r.body.split('\n\n').filter(Boolean);
    expect(JSON.parse(events[0]!.slice(6)).choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const pings = events.slice(1).findIndex((e) => e !== ': ping');
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(events.slice(1, 1 + pings).every((e) => e === ': ping')).toBe(true);
    expect(JSON.parse(events.at(-2)!.slice(6))).toMatchObject({ object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 } });
    expect(events.at(-1)).toBe('data: [DONE]');
  });

  it('tool calls answer in OpenAI’s shape: null content, tool_calls, finish_reason tool_calls; streamed whole', async () => {
    const toolCall = { id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    engine.toolCalls = [toolCall];
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
    const r = await post('/v1/chat/completions', { ...guideBody, tools, tool_choice: 'required' });
    expect(r.json().choices).toEqual([{ index: 0, message: { role: 'assistant', content: null, tool_calls: [toolCall] }, finish_reason: 'tool_calls' }]);
    expect(engine.calls[0]).toMatchObject({ tools: [{ name: 'get_weather', parameters: { type: 'object' } }], toolChoice: 'required' });
    const s = await post('/v1/chat/completions', { ...guideBody, tools, tool_choice: 'required', stream: true });
    const chunks = s.body.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)).choices[0]);
    expect(chunks.slice(1)).toEqual([
      { index: 0, delta: { tool_calls: [{ index: 0, ...toolCall }] }, finish_reason: null },
      { index: 0, delta: {}, finish_reason: 'tool_calls' },
    ]);
  });

  it('a prompt the engine refuses is a 400 even for a stream, before any byte of it', async () => {
    engine.refuse = new ApiError('context_length_exceeded', { context: 2048, prompt: 3000, approximate: false });
    const r = await post('/v1/chat/completions', { ...guideBody, stream: true });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.json().error).toMatchObject({ code: 'context_length_exceeded', param: 'messages' });
  });

  it('rejects a body without messages (400, OpenAI error shape, the field named)', async () => {
    const r = await post('/v1/chat/completions', { temperature: 1 });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual(errorBody('invalid_request', 'invalid_request_error', "Missing required parameter: 'messages'.", 'messages'));
  });

  it('rejects malformed JSON', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/v1/chat', payload: '{"messages": [', headers: { 'content-type': 'application/json', ...bearer(keys.chat.key) } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error' });
  });

  it('rejects a temperature out of range and max_tokens over the limit; a last assistant message is a prefill', async () => {
    expect((await post('/api/v1/chat', { ...guideBody, temperature: 3 })).json()).toEqual(errorBody('invalid_request', 'invalid_request_error', "Invalid 'temperature': must be <= 2, got number 3.", 'temperature'));
    const r = await post('/api/v1/chat', { ...guideBody, max_tokens: 100000 });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual(errorBody('invalid_request', 'invalid_request_error', `max_tokens is 100000, above this server's limit of ${config.inference.maxTokens}.`, 'max_tokens'));
    const prefill = await post('/api/v1/chat', { messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] });
    expect(prefill.statusCode).toBe(200);
    expect(engine.calls[0]!.messages).toEqual([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }]);
  });

  it('answers 404 model_not_found for another model name', async () => {
    const r = await post('/v1/chat/completions', { ...guideBody, model: 'gpt-4o' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual(errorBody('model_not_found', 'invalid_request_error', 'The model "gpt-4o" does not exist on this server; it serves "scripted".', 'model'));
  });

  it.each([
    [new ApiError('model_not_ready', { reason: 'model loading' }), 503, 'service_unavailable', '1'],
    [new ApiError('queue_full', { waiting: 8 }), 429, 'rate_limit_error', '1'],
    [new ApiError('upstream_failed', { attempts: 3, last: 'upstream answered 500: {}' }), 502, 'upstream_error', undefined],
    [new ApiError('upstream_unavailable', { attempts: 3, last: 'upstream unreachable: connect ECONNREFUSED' }), 503, 'service_unavailable', '1'],
    [new ApiError('upstream_timeout', { ms: 150 }), 504, 'upstream_error', undefined],
  ])('maps %s to its status, with Retry-After on 429 and 503', async (err, status, type, retryAfter) => {
    engine.fail = err;
    const r = await post('/api/v1/chat', guideBody);
    expect(r.statusCode).toBe(status);
    expect(r.json()).toEqual(errorBody(err.code, type, err.message));
    expect(r.headers['retry-after']).toBe(retryAfter);
  });

  it('a full queue answers 429 queue_full with Retry-After', async () => {
    engine.slots = await fullSlots(2);
    const r = await post('/v1/chat/completions', guideBody);
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.json()).toEqual(errorBody('queue_full', 'rate_limit_error', 'The server is at capacity (2 requests waiting): retry shortly.'));
  });

  it('a stream that fails after its first delta ends in an error event and [DONE]', async () => {
    const failing = engine.chat.bind(engine);
    engine.chat = async (req, onDelta, onStart) => {
      onStart?.();
      onDelta?.('Hel');
      engine.fail = new ApiError('upstream_stream_error', { message: 'decoder crashed' });
      return failing(req);
    };
    try {
      const r = await post('/v1/chat/completions', { ...guideBody, stream: true });
      expect(r.statusCode).toBe(200);
      const events = r.body.split('\n\n').filter(Boolean);
      expect(events.slice(-2)).toEqual([
        `data: ${JSON.stringify(errorBody('upstream_error', 'upstream_error', 'The upstream model API failed mid-stream: decoder crashed'))}`,
        'data: [DONE]',
      ]);
      expect(JSON.parse(events[1]!.slice(6)).choices[0].delta).toEqual({ content: 'Hel' });
    } finally {
      Reflect.deleteProperty(engine, 'chat');
    }
  });

  it('an unexpected engine failure is a 500 without internals', async () => {
    engine.fail = new TypeError('secret internal detail') as unknown as ApiError;
    const r = await post('/api/v1/chat', guideBody);
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual(errorBody('internal_error', 'server_error', 'Internal server error.'));
  });
});

describe('authentication', () => {
  it('401 without credentials', async () => {
    const r = await post('/api/v1/chat', guideBody, {});
    expect(r.statusCode).toBe(401);
    expect(r.json()).toEqual(errorBody('missing_credentials', 'invalid_request_error', 'Missing credentials: send Authorization: Bearer <API key or token>.'));
  });

  it('401 for a wrong key, before the body is even looked at', async () => {
    const r = await post('/api/v1/chat', {}, bearer('sb_nobody_xxxxxxxxxxxxxxxx'));
    expect(r.statusCode).toBe(401);
    expect(r.json()).toEqual(errorBody('invalid_api_key', 'invalid_request_error', 'Invalid API key or token.'));
  });

  it('accepts a JWT minted with the signing key; 401 for an expired or forged one', async () => {
    const ok = await mintToken(keys.signing.privateKeyPem, { sub: 'admin', scope: 'chat', iss: 'smartbot', expiresInSeconds: 60 });
    expect((await post('/api/v1/chat', guideBody, bearer(ok))).statusCode).toBe(200);
    const expired = await mintToken(keys.signing.privateKeyPem, { sub: 'admin', scope: 'chat', iss: 'smartbot', expiresInSeconds: 60 }, Date.now() - 120_000);
    const r = await post('/api/v1/chat', guideBody, bearer(expired));
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('token_expired');
    // Signed by another key under this environment's kid.
    const forged = await mintToken(freshKeys().signing.privateKeyPem, { sub: 'admin', scope: 'admin', iss: 'smartbot', expiresInSeconds: 60, kid: keys.signing.kid });
    expect((await post('/api/v1/chat', guideBody, bearer(forged))).json().error.code).toBe('invalid_api_key');
    const [h, p] = ok.split('.');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.${h}`;
    expect((await post('/api/v1/chat', guideBody, bearer(none))).statusCode).toBe(401);
  });

  it('403 when the scope is not enough; admin scope passes', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/v1/admin/status', headers: bearer(keys.chat.key) });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toEqual(errorBody('insufficient_scope', 'permission_error', 'This credential has scope chat; this endpoint needs admin.'));
    const adminJwt = await mintToken(keys.signing.privateKeyPem, { sub: 'ops', scope: 'admin', iss: 'smartbot', expiresInSeconds: 60 });
    for (const t of [keys.admin.key, adminJwt]) {
      const a = await app.inject({ method: 'GET', url: '/api/v1/admin/status', headers: bearer(t) });
      expect(a.statusCode).toBe(200);
      expect(a.json()).toEqual({ environment: 'dev', version: '1.2.0', model: 'scripted', source: 'local', readiness: { ready: true }, queueDepth: 0, keyringKeys: 2, cache: 'redis' });
    }
  });

  it('reloads the keyring on file change: a new key works and a revoked one stops, within seconds', async () => {
    const extra = freshKeys().chat;
    ring.write([keys.chat.entry, keys.admin.entry, extra.entry]);
    const until = async (want: number, key: string) => {
      for (let i = 0; i < 50; i++) {
        if ((await post('/api/v1/chat', guideBody, bearer(key))).statusCode === want) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    };
    expect(await until(200, extra.key)).toBe(true);
    ring.write([keys.chat.entry, keys.admin.entry]);
    expect(await until(401, extra.key)).toBe(true);
  });

  it('reloads on SIGHUP', async () => {
    const extra = freshKeys().chat;
    const reloads = () => sink.lines.filter((l) => l.includes('keyring loaded reason=SIGHUP')).length;
    // The signal arrives on a later turn of the event loop: wait for the reload it causes.
    const hup = async () => {
      const before = reloads();
      process.kill(process.pid, 'SIGHUP');
      for (let i = 0; i < 50 && reloads() === before; i++) await new Promise((r) => setTimeout(r, 10));
    };
    ring.write([keys.chat.entry, keys.admin.entry, extra.entry]);
    await hup();
    expect((await post('/api/v1/chat', guideBody, bearer(extra.key))).statusCode).toBe(200);
    ring.write([keys.chat.entry, keys.admin.entry]);
    await hup();
    expect((await post('/api/v1/chat', guideBody, bearer(extra.key))).statusCode).toBe(401);
  });
});

describe('models, probes, metrics', () => {
  it('GET /v1/models lists the served model', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/models', headers: bearer(keys.chat.key) });
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.json()).toEqual({ object: 'list', data: [{ id: 'scripted', object: 'model', created: Date.UTC(2026, 10, 26) / 1000, owned_by: 'smartbot' }] });
    expect((await app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(401);
    engine.readinessState = { ready: false, reason: 'model loading' };
    const loading = await app.inject({ method: 'GET', url: '/v1/models', headers: bearer(keys.chat.key) });
    expect(loading.statusCode).toBe(503);
    expect(loading.headers['retry-after']).toBe('1');
    expect(loading.json()).toEqual(errorBody('model_not_ready', 'service_unavailable', 'The model is not ready: model loading.'));
  });

  it('GET /v1/models/{id} answers the served model, 404 for any other', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/models/scripted', headers: bearer(keys.chat.key) });
    expect(r.json()).toEqual({ id: 'scripted', object: 'model', created: Date.UTC(2026, 10, 26) / 1000, owned_by: 'smartbot' });
    const other = await app.inject({ method: 'GET', url: '/v1/models/gpt-4o', headers: bearer(keys.chat.key) });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual(errorBody('model_not_found', 'invalid_request_error', 'The model "gpt-4o" does not exist on this server; it serves "scripted".', 'model'));
  });

  it('/healthz is alive; /readyz follows the engine', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready', model: 'scripted' });
    engine.readinessState = { ready: false, reason: 'model loading' };
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.json()).toEqual({ status: 'not ready', reason: 'model loading' });
  });

  it('unknown routes get an OpenAI-shaped 404', async () => {
    const r = await app.inject({ method: 'GET', url: '/v2/nothing?x=1' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual(errorBody('not_found', 'invalid_request_error', 'No such endpoint: GET /v2/nothing.'));
  });

  it('counts every request once, in the duration histogram and the request counter, by route, method and status', async () => {
    const series = async () => {
      const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const value = (re: RegExp) => Number(re.exec(body)?.[1] ?? 0);
      return {
        ok: value(/^smartbot_http_requests_total\{route="\/v1\/models",method="GET",status="200"\} (\d+)$/m),
        denied: value(/^smartbot_http_requests_total\{route="\/v1\/models",method="GET",status="401"\} (\d+)$/m),
        observed: value(/^smartbot_http_request_duration_seconds_count\{route="\/v1\/models",method="GET",status="200"\} (\d+)$/m),
      };
    };
    const before = await series();
    for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: '/v1/models', headers: bearer(keys.chat.key) });
    await app.inject({ method: 'GET', url: '/v1/models' });
    const after = await series();
    expect({ ok: after.ok - before.ok, denied: after.denied - before.denied, observed: after.observed - before.observed }).toEqual({ ok: 3, denied: 1, observed: 3 });
  });

  it('/metrics is not served on the public port when an admin port carries it: a 404 that names the admin port', async () => {
    const elsewhere = buildApp({ ...deps, config: { ...deps.config, listen: { ...deps.config.listen, adminPort: 9099 } } });
    try {
      const r = await elsewhere.inject({ method: 'GET', url: '/metrics' });
      expect([r.statusCode, r.headers['x-smartbot-metrics-port'], r.json()]).toEqual([404, '9099', { error: { message: 'No such endpoint: GET /metrics.', type: 'invalid_request_error', param: null, code: 'not_found' } }]);
    } finally {
      await elsewhere.close();
    }
  });

  it('/metrics is served on the public port when there is no admin port', async () => {
    expect(config.listen.adminPort).toBeUndefined();
    const r = await app.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(200);
    for (const name of Object.values(METRICS)) expect(r.body).toContain(`# TYPE ${name} `);
    expect(r.body).toMatch(/smartbot_http_request_duration_seconds_bucket\{le="2",route="\/api\/v1\/chat",method="POST",status="200"\} \d+/);
    expect(r.body).toMatch(/smartbot_http_requests_total\{route="\/api\/v1\/chat",method="POST",status="401"\} \d+/);
    expect(r.body).toContain('process_cpu_seconds_total');
  });
});

describe('response cache', () => {
  it('serves a second identical temperature-0 request from the cache', async () => {
    store.clear();
    const body = { messages: [{ role: 'user', content: 'cache me' }], temperature: 0 };
    const first = await post('/api/v1/chat', body);
    const second = await post('/api/v1/chat', body);
    expect([first.headers['x-smartbot-cache'], second.headers['x-smartbot-cache']]).toEqual(['miss', 'hit']);
    expect(engine.calls).toHaveLength(1);
    expect(second.json().choices).toEqual(first.json().choices);
    expect((await post('/api/v1/chat', { ...body, temperature: 0.5 })).headers['x-smartbot-cache']).toBe('bypass');
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/smartbot_cache_lookups_total\{result="hit"\} [1-9]/);
  });

  it('answers a hit without preparing the prompt again (it was checked when stored); a miss is still checked', async () => {
    store.clear();
    const body = { messages: [{ role: 'user', content: 'checked once' }], temperature: 0 };
    expect((await post('/v1/chat/completions', body)).headers['x-smartbot-cache']).toBe('miss');
    engine.refuse = new ApiError('context_length_exceeded', { context: 1, prompt: 2, approximate: false });
    const hit = await post('/v1/chat/completions', body);
    expect([hit.statusCode, hit.headers['x-smartbot-cache']]).toEqual([200, 'hit']);
    const other = await post('/v1/chat/completions', { ...body, messages: [{ role: 'user', content: 'not cached' }] });
    expect(other.statusCode).toBe(400);
  });
});

describe('logs', () => {
  it('every line matches the guide pattern, carries the request id, and holds no prompt or key', async () => {
    const r = await post('/api/v1/chat', { messages: [{ role: 'user', content: 'PROMPT-CANARY' }] }, { ...bearer(keys.chat.key), 'x-request-id': 'trace-42' });
    expect(r.headers['x-request-id']).toBe('trace-42');
    const line = sink.lines.find((l) => l.includes('reqId=trace-42'));
    expect(line).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] \[INFO\] request completed reqId=trace-42 method=POST route=\/api\/v1\/chat status=200 ms=\d+ model=scripted\n$/);
    const pattern = new RegExp(LOG_LINE_PATTERN);
    for (const l of sink.lines) {
      expect(l.trimEnd()).toMatch(pattern);
      expect(l).not.toContain('PROMPT-CANARY');
      expect(l).not.toContain(keys.chat.key);
    }
  });
});

describe('CORS with `*` and credentials', () => {
  it('reflects the origin (browsers refuse `*` with credentials), with Vary: Origin', async () => {
    const open = scriptedDeps();
    const cors = { allowedOrigins: ['*'], allowCredentials: true };
    const openApp = buildApp({ ...open.deps, config: { ...open.deps.config, http: { ...open.deps.config.http, cors } } });
    try {
      const r = await openApp.inject({ method: 'OPTIONS', url: '/v1/chat/completions', headers: { origin: 'https://any.example', 'access-control-request-method': 'POST' } });
      expect(r.statusCode).toBe(204);
      expect([r.headers['access-control-allow-origin'], r.headers['access-control-allow-credentials'], r.headers.vary]).toEqual(['https://any.example', 'true', 'Origin']);
    } finally {
      open.close();
      await openApp.close();
    }
  });
});
