// The catalogue itself: the codes and statuses the README promises, Retry-After wherever a
// client is asked to come back, and templates that render their parameters.
import { describe, expect, it } from 'vitest';
import { API_CODES, API_ERRORS, ApiError, type ApiErrorCode } from './errors.js';

describe('API error catalogue', () => {
  it('keeps the documented codes, statuses and OpenAI types', () => {
    const table = Object.fromEntries(Object.entries(API_CODES).map(([code, d]) => [code, `${d.status} ${d.type}`]));
    expect(table).toEqual({
      invalid_request: '400 invalid_request_error',
      missing_credentials: '401 invalid_request_error',
      invalid_api_key: '401 invalid_request_error',
      token_expired: '401 invalid_request_error',
      key_expired: '401 invalid_request_error',
      key_revoked: '401 invalid_request_error',
      insufficient_scope: '403 permission_error',
      model_not_found: '404 invalid_request_error',
      not_found: '404 invalid_request_error',
      queue_full: '429 rate_limit_error',
      internal_error: '500 server_error',
      upstream_error: '502 upstream_error',
      model_not_ready: '503 service_unavailable',
      upstream_unavailable: '503 service_unavailable',
      upstream_timeout: '504 upstream_error',
    });
  });

  it('every 429 and 503 carries Retry-After, and nothing else does', () => {
    for (const [code, def] of Object.entries(API_CODES) as [ApiErrorCode, { status: number; headers?: Record<string, string> }][])
      expect([code, def.headers ?? {}]).toEqual([code, def.status === 429 || def.status === 503 ? { 'retry-after': '1' } : {}]);
  });

  it('every template answers with a catalogue code', () => {
    for (const [id, t] of Object.entries(API_ERRORS)) expect([id, t.code in API_CODES]).toEqual([id, true]);
  });

  it('renders a template with its parameters, param and headers', () => {
    const e = new ApiError('max_tokens_over_limit', { asked: 9000, limit: 4096 });
    expect([e.id, e.code, e.status, e.param, e.headers]).toEqual(['max_tokens_over_limit', 'invalid_request', 400, 'max_tokens', {}]);
    expect(e.body()).toEqual({ error: { message: "max_tokens is 9000, above this server's limit of 4096.", type: 'invalid_request_error', param: 'max_tokens', code: 'invalid_request' } });
    const full = new ApiError('queue_full', { waiting: 8 });
    expect([full.message, full.status, full.headers]).toEqual(['The server is at capacity (8 requests waiting): retry shortly.', 429, { 'retry-after': '1' }]);
    expect(new ApiError('insufficient_scope', { has: ['chat'], need: 'admin' }).message).toBe('This credential has scope chat; this endpoint needs admin.');
    expect(new ApiError('missing_credentials')).toBeInstanceOf(ApiError);
  });
});
