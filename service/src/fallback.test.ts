// Several models behind one app, through HTTP: routing by `model`, the ids listed and refused,
// and each fallback case — who answers, what the response says (model, x-smartbot-model,
// x-smartbot-fallback), what the metrics and the access log record — with scripted engines.
// test/service/models.test.ts does the same against real models and a real upstream.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedEngine, scriptedDeps } from '../../test/helpers/service.js';
import { buildApp } from './app.js';
import { ApiError } from './errors.js';
import { ModelRouter } from './model-router.js';

const small = new ScriptedEngine('small');
const large = new ScriptedEngine('large');
const hosted = new ScriptedEngine('hosted', 'remote');
const { deps, keys, sink, close } = scriptedDeps();
deps.models = new ModelRouter(
  [
    { id: 'small', engine: small, fallbacks: ['large'], contextTokens: 2048 },
    { id: 'large', engine: large, fallbacks: [], contextTokens: 4096 },
    { id: 'hosted', engine: hosted, fallbacks: ['small'], contextTokens: Infinity },
  ],
  'small',
);
const app = buildApp(deps);
afterAll(async () => {
  close();
  await app.close();
});

const headers = { authorization: `Bearer ${keys.chat.key}`, 'content-type': 'application/json' };
const chat = (body: object) => app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload: { messages: [{ role: 'user', content: 'hi' }], temperature: 0.7, ...body } });
const answered = (r: Awaited<ReturnType<typeof chat>>) => ({ status: r.statusCode, model: r.headers['x-smartbot-model'], fallback: r.headers['x-smartbot-fallback'], body: r.json().model ?? r.json().error?.code });
const fallbackSeries = async () => (await deps.metrics.registry.getSingleMetricAsString('smartbot_fallbacks_total')).split('\n').filter((l) => l.startsWith('smartbot_fallbacks_total{'));

beforeEach(() => {
  for (const [engine, reply] of [[small, 'small here'], [large, 'large here'], [hosted, 'hosted here']] as const) {
    Object.assign(engine, { reply, fail: undefined, failBeforeStart: undefined, refuse: undefined, readinessState: { ready: true }, calls: [], slots: undefined });
  }
  deps.metrics.fallbacks.reset();
  sink.lines.length = 0;
});

describe('routing by model', () => {
  it('the request names the model; without one the default answers; the answer says which', async () => {
    expect(answered(await chat({ model: 'hosted' }))).toEqual({ status: 200, model: 'hosted', fallback: undefined, body: 'hosted' });
    expect(answered(await chat({ model: 'large' }))).toEqual({ status: 200, model: 'large', fallback: undefined, body: 'large' });
    const r = await app.inject({ method: 'POST', url: '/api/v1/chat', headers, payload: { messages: [{ role: 'user', content: 'hi' }] } });
    expect([r.headers['x-smartbot-model'], r.json().model, r.json().choices[0].message.content]).toEqual(['small', 'small', 'small here']);
  });

  it('GET /v1/models lists every id; an unknown id is 404 model_not_found naming the ids served', async () => {
    const list = await app.inject({ method: 'GET', url: '/v1/models', headers });
    expect(list.json().data.map((m: { id: string }) => m.id)).toEqual(['small', 'large', 'hosted']);
    expect((await app.inject({ method: 'GET', url: '/v1/models/large', headers })).json()).toMatchObject({ id: 'large', object: 'model' });
    const unknown = { error: { message: 'The model "gpt-4o" does not exist on this server; it serves "small", "large", "hosted".', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } };
    const one = await app.inject({ method: 'GET', url: '/v1/models/gpt-4o', headers });
    expect([one.statusCode, one.json()]).toEqual([404, unknown]);
    const r = await chat({ model: 'gpt-4o' });
    expect([r.statusCode, r.json()]).toEqual([404, unknown]);
  });

  it('one model not ready answers 503 on its own id; /readyz follows the default and names the others', async () => {
    hosted.readinessState = { ready: false, reason: 'upstream unreachable: connect ECONNREFUSED' };
    expect((await app.inject({ method: 'GET', url: '/v1/models/hosted', headers })).statusCode).toBe(503);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'ready', model: 'small', notReady: { hosted: 'upstream unreachable: connect ECONNREFUSED' } }]);
    small.readinessState = { ready: false, reason: 'model loading' };
    const notReady = await app.inject({ method: 'GET', url: '/readyz' });
    expect([notReady.statusCode, notReady.json()]).toEqual([503, { status: 'not ready', reason: 'model loading', notReady: { small: 'model loading', hosted: 'upstream unreachable: connect ECONNREFUSED' } }]);
  });
});

describe('admin status', () => {
  it('names the default model, and each model with its readiness, queue and fallbacks', async () => {
    hosted.readinessState = { ready: false, reason: 'upstream answered 500' };
    large.depth = 2;
    try {
      const r = await app.inject({ method: 'GET', url: '/api/v1/admin/status', headers: { authorization: `Bearer ${keys.admin.key}` } });
      expect(r.json()).toMatchObject({
        model: 'small',
        readiness: { ready: true },
        queueDepth: 2,
        models: [
          { id: 'small', source: 'local', readiness: { ready: true }, queueDepth: 0, fallbacks: ['large'] },
          { id: 'large', source: 'local', readiness: { ready: true }, queueDepth: 2, fallbacks: [] },
          { id: 'hosted', source: 'remote', readiness: { ready: false, reason: 'upstream answered 500' }, queueDepth: 0, fallbacks: ['small'] },
        ],
      });
    } finally {
      large.depth = 0;
    }
  });
});

describe('fallbacks', () => {
  it.each([
    ['the upstream failed (5xx after retries)', new ApiError('upstream_failed', { attempts: 3, last: 'upstream answered 503: busy' }), 'upstream_error'],
    ['the upstream is unreachable', new ApiError('upstream_unavailable', { attempts: 3, last: 'upstream unreachable: connect ECONNREFUSED 127.0.0.1:9' }), 'unreachable'],
    ['the upstream timed out', new ApiError('upstream_timeout', { ms: 20000 }), 'timeout'],
  ])('%s: the fallback answers, and the response, the metrics and the access log say so', async (_what, error, reason) => {
    hosted.failBeforeStart = error;
    const r = await chat({ model: 'hosted' });
    expect(answered(r)).toEqual({ status: 200, model: 'small', fallback: 'hosted->small', body: 'small' });
    expect(r.json().choices[0].message.content).toBe('small here');
    expect(await fallbackSeries()).toEqual([`smartbot_fallbacks_total{from="hosted",to="small",reason="${reason}"} 1`]);
    expect(sink.lines.find((l) => l.includes('request completed'))).toContain(' status=200 ');
    expect(sink.lines.find((l) => l.includes('request completed'))).toMatch(/ model=small fallback=hosted->small\n$/);
  });

  it('a local model that is not ready, or whose queue is full, hands the request on', async () => {
    small.readinessState = { ready: false, reason: 'model loading' };
    expect(answered(await chat({ model: 'small' }))).toEqual({ status: 200, model: 'large', fallback: 'small->large', body: 'large' });
    small.readinessState = { ready: true };
    small.failBeforeStart = new ApiError('queue_full', { waiting: 16 });
    expect(answered(await chat({ model: 'small' }))).toEqual({ status: 200, model: 'large', fallback: 'small->large', body: 'large' });
    expect(await fallbackSeries()).toEqual(['smartbot_fallbacks_total{from="small",to="large",reason="not_ready"} 1', 'smartbot_fallbacks_total{from="small",to="large",reason="queue_full"} 1']);
  });

  it('a prompt over the context goes to a fallback whose context is larger, never to a smaller one', async () => {
    small.refuse = new ApiError('context_length_exceeded', { context: 2048, prompt: 3000, approximate: false });
    expect(answered(await chat({ model: 'small' }))).toEqual({ status: 200, model: 'large', fallback: 'small->large', body: 'large' });
    // hosted → small: a remote context is not known, and counts as larger than any local one.
    hosted.refuse = new ApiError('upstream_bad_request', { code: 'context_length_exceeded', message: 'too long', param: 'messages' });
    const r = await chat({ model: 'hosted' });
    expect([r.statusCode, r.json().error.code, r.headers['x-smartbot-fallback']]).toEqual([400, 'context_length_exceeded', undefined]);
  });

  it('a bad request is the client\'s, whichever model: no fallback', async () => {
    hosted.refuse = new ApiError('invalid_field', { param: 'response_format', problem: 'no' });
    const r = await chat({ model: 'hosted' });
    expect([r.statusCode, r.headers['x-smartbot-model'], small.calls.length]).toEqual([400, undefined, 0]);
  });

  it('a fallback that fails too: the last error, with the way it went', async () => {
    hosted.failBeforeStart = new ApiError('upstream_unavailable', { attempts: 3, last: 'down' });
    small.readinessState = { ready: false, reason: 'model loading' };
    const r = await chat({ model: 'hosted' });
    // small's own fallback (large) is not followed: only the chosen model's fallbacks are.
    expect([r.statusCode, r.json().error.code, r.headers['x-smartbot-fallback'], large.calls.length]).toEqual([503, 'model_not_ready', 'hosted->small', 0]);
  });

  it('a stream falls back before its first byte, never after', async () => {
    hosted.failBeforeStart = new ApiError('upstream_failed', { attempts: 3, last: 'upstream answered 502' });
    const before = await chat({ model: 'hosted', stream: true });
    expect([before.statusCode, before.headers['x-smartbot-model'], before.headers['x-smartbot-fallback']]).toEqual([200, 'small', 'hosted->small']);
    expect(before.body).toContain('"model":"small"');
    expect(before.body).toContain('small');

    hosted.failBeforeStart = undefined;
    // The upstream accepted the request and sent a delta, then broke: the stream is hosted's to the end.
    const streamed = hosted.chat.bind(hosted);
    hosted.chat = async (req, onDelta, onStart) => {
      onStart?.();
      onDelta?.('hos');
      throw new ApiError('upstream_stream_error', { message: 'connection reset' });
    };
    try {
      const after = await chat({ model: 'hosted', stream: true });
      expect([after.statusCode, after.headers['x-smartbot-model'], after.headers['x-smartbot-fallback']]).toEqual([200, 'hosted', undefined]);
      const events = after.body.split('\n\n').filter(Boolean);
      expect(JSON.parse(events[1]!.slice(6)).choices[0].delta).toEqual({ content: 'hos' });
      expect(JSON.parse(events.at(-2)!.slice(6)).error.code).toBe('upstream_error');
      expect(events.at(-1)).toBe('data: [DONE]');
      expect(small.calls).toHaveLength(1); // the first stream's fallback only
    } finally {
      hosted.chat = streamed;
    }
  });

  it('deterministic answers are cached per model: a fallback\'s answer is never served as the chosen model\'s', async () => {
    hosted.failBeforeStart = new ApiError('upstream_unavailable', { attempts: 3, last: 'down' });
    const body = { model: 'hosted', temperature: 0, messages: [{ role: 'user', content: 'cache me' }] };
    expect(answered(await chat(body))).toMatchObject({ model: 'small', fallback: 'hosted->small' });
    hosted.failBeforeStart = undefined;
    const again = await chat(body);
    expect([again.headers['x-smartbot-model'], again.headers['x-smartbot-cache'], again.json().choices[0].message.content]).toEqual(['hosted', 'miss', 'hosted here']);
  });
});
