// The error handler alone on a bare fastify: catalogue errors with their headers, schema and
// framework 4xx as invalid_request, anything else a logged 500 that hides the detail.
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { errorMapping } from './error-mapping.js';
import { logSink } from '../../../test/helpers/service.js';

const sink = logSink();
const app = Fastify();
app.register(errorMapping, { log: sink.log });
app.register(async (plugin) => {
  plugin.get('/full', async () => {
    throw new ApiError('queue_full', { waiting: 16 });
  });
  plugin.get('/timeout', async () => {
    throw new ApiError('upstream_timeout', { ms: 300000 });
  });
  plugin.post('/schema', { schema: { body: { type: 'object', properties: { n: { type: 'integer' } } } } }, async () => ({}));
  plugin.get('/bug', async () => {
    throw new TypeError('cannot read properties of undefined (secret detail)');
  });
});
afterAll(() => app.close());

describe('error-mapping hook', () => {
  it('sends a catalogue error with its status, its headers and OpenAI body', async () => {
    const r = await app.inject('/full');
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.json()).toEqual({ error: { message: 'The server is at capacity (16 requests waiting): retry shortly.', type: 'rate_limit_error', param: null, code: 'queue_full' } });
    const t = await app.inject('/timeout');
    expect(t.statusCode).toBe(504);
    expect(t.headers['retry-after']).toBeUndefined();
  });

  it('a body the schema rejects is invalid_request naming where', async () => {
    const r = await app.inject({ method: 'POST', url: '/schema', payload: { n: 1.5 } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ error: { message: 'Invalid request: body/n must be integer.', type: 'invalid_request_error', param: 'body', code: 'invalid_request' } });
  });

  it("fastify's own 4xx (malformed JSON) is invalid_request with fastify's text", async () => {
    const r = await app.inject({ method: 'POST', url: '/schema', payload: '{"n": ', headers: { 'content-type': 'application/json' } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ error: { message: "Body is not valid JSON but content-type is set to 'application/json'", type: 'invalid_request_error', param: null, code: 'invalid_request' } });
  });

  it('anything else is a 500 without the detail, which goes to the log', async () => {
    const r = await app.inject({ url: '/bug', headers: { 'x-request-id': 'bug-1' } });
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual({ error: { message: 'Internal server error.', type: 'server_error', param: null, code: 'internal_error' } });
    expect(sink.lines.join('')).toMatch(/\[ERROR\] unhandled error reqId=\S+ error="?cannot read properties of undefined \(secret detail\)/);
  });
});
