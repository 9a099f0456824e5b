// The catalogue itself: the codes and statuses the README promises, Retry-After wherever a
// client is asked to come back, and templates that render their parameters.
import { describe, expect, it } from 'vitest';
import { API_CODES, API_ERRORS, ApiError, type ApiErrorCode } from './errors.js';

describe('API error catalogue', () => {
  it('keeps the documented codes, statuses and OpenAI types', () => {
    const table = Object.fromEntries(Object.entries(API_CODES).map(([code, d]) => [code, `${d.status} ${d.type}`]));
    expect(table).toEqual({
      invalid_request: '400 invalid_request_error',
      unsupported_parameter: '400 invalid_request_error',
      unknown_parameter: '400 invalid_request_error',
      string_above_max_length: '400 invalid_request_error',
      context_length_exceeded: '400 invalid_request_error',
      missing_credentials: '401 invalid_request_error',
      invalid_api_key: '401 invalid_request_error',
      token_expired: '401 invalid_request_error',
      key_expired: '401 invalid_request_error',
      key_revoked: '401 invalid_request_error',
      insufficient_scope: '403 permission_error',
      origin_not_allowed: '403 permission_error',
      model_not_found: '404 invalid_request_error',
      not_found: '404 invalid_request_error',
      method_not_allowed: '405 invalid_request_error',
      request_timeout: '408 invalid_request_error',
      request_too_large: '413 invalid_request_error',
      unsupported_media_type: '415 invalid_request_error',
      queue_full: '429 rate_limit_error',
      headers_too_large: '431 invalid_request_error',
      internal_error: '500 server_error',
      upstream_error: '502 upstream_error',
      model_not_ready: '503 service_unavailable',
      upstream_unavailable: '503 service_unavailable',
      shutting_down: '503 service_unavailable',
      upstream_timeout: '504 upstream_error',
    });
  });

  it('every 429 and 503 carries Retry-After, and nothing else does; shutting down also closes the connection', () => {
    for (const [code, def] of Object.entries(API_CODES) as [ApiErrorCode, { status: number; headers?: Record<string, string> }][])
      expect([code, def.headers?.['retry-after']]).toEqual([code, def.status === 429 || def.status === 503 ? '1' : undefined]);
    expect(API_CODES.shutting_down.headers).toEqual({ 'retry-after': '1', connection: 'close' });
  });

  it('every template answers with a catalogue code; a relayed upstream refusal keeps its 400 code', () => {
    for (const [id, t] of Object.entries(API_ERRORS)) if (typeof t.code === 'string') expect([id, t.code in API_CODES]).toEqual([id, true]);
    const relayed = new ApiError('upstream_bad_request', { code: 'context_length_exceeded', message: 'Too long.', param: 'messages' });
    expect([relayed.status, relayed.body()]).toEqual([400, { error: { message: 'Too long.', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } }]);
  });

  it('renders a template with its parameters, param and headers', () => {
    const e = new ApiError('max_tokens_over_limit', { param: 'max_tokens', asked: 9000, limit: 4096 });
    expect([e.id, e.code, e.status, e.param, e.headers]).toEqual(['max_tokens_over_limit', 'invalid_request', 400, 'max_tokens', {}]);
    expect(e.body()).toEqual({ error: { message: "max_tokens is 9000, above this server's limit of 4096.", type: 'invalid_request_error', param: 'max_tokens', code: 'invalid_request' } });
    const full = new ApiError('queue_full', { waiting: 8 });
    expect([full.message, full.status, full.headers]).toEqual(['The server is at capacity (8 requests waiting): retry shortly.', 429, { 'retry-after': '1' }]);
    expect(new ApiError('insufficient_scope', { has: ['chat'], need: 'admin' }).message).toBe('This credential has scope chat; this endpoint needs admin.');
    expect(new ApiError('missing_credentials')).toBeInstanceOf(ApiError);
    const wrongMethod = new ApiError('method_not_allowed', { method: 'GET', path: '/v1/chat/completions', allow: ['OPTIONS', 'POST'] });
    expect([wrongMethod.status, wrongMethod.headers, wrongMethod.message]).toEqual([405, { allow: 'OPTIONS, POST' }, '/v1/chat/completions does not answer GET; it answers OPTIONS, POST.']);
  });
});
