// The error handler alone on a bare fastify: catalogue errors with their headers, schema errors
// naming the field, framework 4xx as 413/415/400, anything else a logged 500 that hides the
// detail.
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { errorMapping, paramOf, schemaError } from './error-mapping.js';
import { logSink, renderedRuntimeConfig } from '../../../test/helpers/service.js';

const sink = logSink();
const dev = renderedRuntimeConfig('dev');
const config = { ...dev, http: { ...dev.http, bodyLimitBytes: 64 } };
const app = Fastify({ bodyLimit: config.http.bodyLimitBytes });
app.register(errorMapping, { log: sink.log, config });
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

  it('a body the schema rejects is invalid_request naming the field', async () => {
    const r = await app.inject({ method: 'POST', url: '/schema', payload: { n: 1.5 } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ error: { message: "Invalid 'n': expected integer, got number 1.5.", type: 'invalid_request_error', param: 'n', code: 'invalid_request' } });
  });

  it("names fields as OpenAI does, and words each kind of schema error", () => {
    expect([paramOf(''), paramOf('/messages/0/content'), paramOf('/tools/2/function', 'name'), paramOf('', 'model')]).toEqual(['', 'messages[0].content', 'tools[2].function.name', 'model']);
    const body = { messages: [{ role: 'bot', content: 5 }], stream: 1 };
    const cases = [
      [{ keyword: 'required', instancePath: '/messages/0', params: { missingProperty: 'tool_call_id' } }, 'missing_field', "Missing required parameter: 'messages[0].tool_call_id'.", 'messages[0].tool_call_id'],
      [{ keyword: 'additionalProperties', instancePath: '', params: { additionalProperty: 'top_k' } }, 'unknown_field', "Unrecognized request argument supplied: top_k. This server reads the fields of OpenAI's chat completions API listed in its README.", 'top_k'],
      [{ keyword: 'type', instancePath: '/stream', params: { type: 'boolean,null' } }, 'invalid_field', "Invalid 'stream': expected boolean or null, got number 1.", 'stream'],
      [{ keyword: 'enum', instancePath: '/messages/0/role', params: { allowedValues: ['user', 'tool'] } }, 'invalid_field', `Invalid 'messages[0].role': expected one of "user", "tool", got the string "bot".`, 'messages[0].role'],
      [{ keyword: 'maximum', instancePath: '/messages/0/content', params: {}, message: 'must be <= 2' }, 'invalid_field', "Invalid 'messages[0].content': must be <= 2, got number 5.", 'messages[0].content'],
    ] as const;
    for (const [error, id, message, param] of cases) expect(schemaError(error, body)).toMatchObject({ id, message, param });
    expect(schemaError({ keyword: 'type', instancePath: '', params: { type: 'object' } }, [1])).toMatchObject({ message: 'The request body must be a JSON object, got an array.', param: null });
  });

  it('a body over the limit is 413, a body that is not JSON 415', async () => {
    const big = await app.inject({ method: 'POST', url: '/schema', payload: { n: 'x'.repeat(100) } });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toEqual({ message: "The request body is larger than this server's limit of 64 bytes: shorten the messages.", type: 'invalid_request_error', param: null, code: 'request_too_large' });
    const form = await app.inject({ method: 'POST', url: '/schema', payload: 'n=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.statusCode).toBe(415);
    expect(form.json().error).toEqual({ message: 'Content-Type "application/x-www-form-urlencoded" is not supported: send application/json.', type: 'invalid_request_error', param: null, code: 'unsupported_media_type' });
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
