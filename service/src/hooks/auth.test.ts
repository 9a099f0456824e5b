// Deny by default, through the whole app: a route another plugin adds without marking it needs
// a credential (admin scope); only routes marked public answer without one.
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { scriptedDeps } from '../../../test/helpers/service.js';

const { deps, keys, close } = scriptedDeps();
const app = buildApp(deps);
app.register(async (plugin) => {
  plugin.get('/api/v1/unmarked', async () => ({ secret: 'unmarked' }));
  plugin.get('/api/v1/open', { config: { public: true } }, async () => ({ open: true }));
  plugin.post('/api/v1/chat-scoped', { config: { scope: 'chat' }, schema: { body: { type: 'object', required: ['x'] } } }, async () => ({ ok: true }));
});
afterAll(async () => {
  close();
  await app.close();
});

const get = (url: string, key?: string) => app.inject({ method: 'GET', url, headers: key ? { authorization: `Bearer ${key}` } : {} });
const error = (code: string, message: string, type = 'invalid_request_error') => ({ error: { message, type, param: null, code } });

describe('auth hook: deny by default', () => {
  it('an unmarked route is 401 missing_credentials without a credential', async () => {
    const r = await get('/api/v1/unmarked');
    expect(r.statusCode).toBe(401);
    expect(r.json()).toEqual(error('missing_credentials', 'Missing credentials: send Authorization: Bearer <API key or token>.'));
  });

  it('an unmarked route needs the admin scope: 403 for a chat key, 200 for an admin key', async () => {
    const chat = await get('/api/v1/unmarked', keys.chat.key);
    expect(chat.statusCode).toBe(403);
    expect(chat.json()).toEqual(error('insufficient_scope', 'This credential has scope chat; this endpoint needs admin.', 'permission_error'));
    const admin = await get('/api/v1/unmarked', keys.admin.key);
    expect(admin.statusCode).toBe(200);
    expect(admin.json()).toEqual({ secret: 'unmarked' });
  });

  it('a route marked public, the probes and /metrics answer without a credential', async () => {
    expect((await get('/api/v1/open')).json()).toEqual({ open: true });
    for (const url of ['/healthz', '/readyz', '/metrics']) expect([url, (await get(url)).statusCode]).toEqual([url, 200]);
  });

  it('checks the credential before the body: a bad key learns nothing about the schema', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/v1/chat-scoped', payload: {}, headers: { authorization: 'Bearer sb_nobody' } });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('invalid_api_key');
    const ok = await app.inject({ method: 'POST', url: '/api/v1/chat-scoped', payload: {}, headers: { authorization: `Bearer ${keys.chat.key}` } });
    expect(ok.statusCode).toBe(400);
  });

  it('an unknown path is 404 with or without a credential', async () => {
    expect((await get('/api/v1/nothing')).statusCode).toBe(404);
    expect((await get('/api/v1/nothing', keys.chat.key)).statusCode).toBe(404);
  });
});
