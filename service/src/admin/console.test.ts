// The admin console through fastify's inject: what a browser gets for each request (status,
// headers, the page's text). The real browser (keyboard, axe, screenshots) is test/console/.
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../../../test/helpers/env.js';
import { HOSTILE_ENV, hostileAuditFile } from '../../../test/helpers/keys.js';
import { buildAdminApp, buildApp } from '../app.js';
import { entryLine, seal } from '../../../contract/audit-log.js';
import { mintToken } from '../../../contract/jwt.js';
import { mintApiKey } from '../../../contract/keyring-file.js';
import { JWT_DEFAULTS } from '../../../contract/service-config.js';
import { freshKeys, renderedRuntimeConfig, ScriptedEngine, scriptedDeps } from '../../../test/helpers/service.js';
import { ModelRouter } from '../model-router.js';
import { CONSOLE_HEADERS } from './console.js';
import { configChecksum } from './pages.js';

const { deps, keys, close, sink } = scriptedDeps();
// monitoring.json as prod's ConfigMap carries it (thresholds and a scaling target), in a file the test can change.
const monitoringDir = mkdtempSync(join(tmpdir(), 'smartbot-console-monitoring-'));
const monitoringPath = join(monitoringDir, 'monitoring.json');
const renderedMonitoring = parse(readFileSync(join(repoRoot, 'rendered/prod/kubernetes/monitoring-config.yaml'), 'utf8')).data['monitoring.json'] as string;
writeFileSync(monitoringPath, renderedMonitoring);
deps.config = { ...deps.config, environment: HOSTILE_ENV, monitoringFile: monitoringPath, cache: { redis: { enabled: true, url: 'redis://user:hunter2@127.0.0.1:6379', ttlSeconds: 60 } } };
const audit = hostileAuditFile(HOSTILE_ENV);
const admin = buildAdminApp(deps, { audit, sampleMs: 50 });
const api = buildApp(deps);
afterAll(async () => {
  close();
  await admin.close();
  await api.close();
  rmSync(monitoringDir, { recursive: true, force: true });
});

const login = (token: string, ip = '127.0.0.1') =>
  admin.inject({ method: 'POST', url: '/login', payload: `token=${encodeURIComponent(token)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, remoteAddress: ip });
const cookieOf = (r: { headers: Record<string, unknown> }) => String(r.headers['set-cookie']).split(';')[0]!;
const get = (url: string, cookie?: string) => admin.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
/** The page's text as a reader sees it (tags dropped, entities kept). */
const text = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');

describe('admin console: login and session', () => {
  it('without a session, every page is a bare redirect to /login, with the security headers', async () => {
    for (const url of ['/', '/keys', '/audit', '/config']) {
      const r = await get(url);
      expect(r.statusCode).toBe(303);
      expect(r.headers.location).toBe('/login');
      expect(r.body).toBe('');
      expect(r.headers).toMatchObject(CONSOLE_HEADERS);
    }
  });

  it('a wrong token is refused with the reason, and nothing is set', async () => {
    const r = await login('sb_nope_0123456789abcdef0123456789', '10.0.0.1');
    expect(r.statusCode).toBe(401);
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(text(r.body)).toContain('Not accepted: Invalid API key or token.');
  });

  it('a chat-scope key is refused with a clear message', async () => {
    const r = await login(keys.chat.key, '10.0.0.2');
    expect(r.statusCode).toBe(403);
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(text(r.body)).toContain('This credential has chat scope only: the console needs an admin-scope API key or JWT');
  });

  it('an admin key gets an HttpOnly, SameSite=Strict cookie for 8 h; logout clears it and ends the session', async () => {
    const r = await login(keys.admin.key);
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toBe('/');
    expect(r.headers['set-cookie']).toMatch(/^smartbot_console=[\w-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    const cookie = cookieOf(r);
    expect((await get('/', cookie)).statusCode).toBe(200);
    const out = await admin.inject({ method: 'POST', url: '/logout', headers: { cookie } });
    expect(out.statusCode).toBe(303);
    expect(out.headers['set-cookie']).toBe('smartbot_console=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict');
    expect((await get('/', cookie)).headers.location).toBe('/login');
  });

  it('the cookie means nothing on the API port', async () => {
    const cookie = cookieOf(await login(keys.admin.key));
    const r = await api.inject({ method: 'GET', url: '/api/v1/admin/status', headers: { cookie } });
    expect(r.statusCode).toBe(401);
    expect((await api.inject({ method: 'GET', url: '/', headers: { cookie } })).statusCode).toBe(404);
  });

  it('after 5 failed sign-ins from one address, the next is 429 with Retry-After, even with a good key', async () => {
    for (let i = 0; i < 5; i++) expect((await login('wrong', '10.9.9.9')).statusCode).toBe(401);
    const r = await login(keys.admin.key, '10.9.9.9');
    expect(r.statusCode).toBe(429);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(text(r.body)).toMatch(/Too many failed sign-ins from this address: try again in \d+ s\./);
    expect((await login(keys.admin.key, '10.9.9.10')).statusCode).toBe(303);
  });
});

describe('admin console: pages', async () => {
  const cookie = cookieOf(await login(keys.admin.key));

  it('escapes an environment name and an audit key id that hold HTML', async () => {
    for (const url of ['/', '/keys', '/audit', '/config']) {
      const r = await get(url, cookie);
      expect(r.statusCode).toBe(200);
      expect(r.body).not.toContain('<script>alert');
      expect(r.body).toContain('&lt;script&gt;alert(&quot;env&quot;)&lt;/script&gt;');
    }
    const a = (await get('/audit', cookie)).body;
    expect(a).not.toContain('<img src=x');
    expect(a).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(a).toContain('drill &lt;b&gt;bold&lt;/b&gt;');
  });

  it('overview: version, checksum, model, readiness, queue, busy sequences, cache, and seven charts, four with a threshold line and one with the scaling target', async () => {
    const t = text((await get('/', cookie)).body);
    expect(t).toContain(`Service version ${deps.config.service.version}`);
    expect(t).toMatch(/Config checksum [0-9a-f]{64}/);
    expect(t).toContain('Model id scripted');
    expect(t).toContain(`Context size 2,048 tokens`);
    expect(t).toContain('Readiness ready');
    expect(t).toContain('Queue depth 0');
    expect(t).toContain(`Busy sequences 0 of ${deps.config.inference.parallelSequences}`);
    const target = JSON.parse(renderedMonitoring).autoscaling.targetBusyPercent;
    expect(t).toContain(`Autoscaling scale-up target ${target} % busy`);
    expect(t).toContain('Cache Redis, TTL 60 s');
    const body = (await get('/', cookie)).body;
    expect(body.match(/<svg class="chart"/g)).toHaveLength(7);
    expect(body.match(/<line class="threshold"/g)).toHaveLength(4);
    expect(body).toContain('alert &gt; 2 s');
    expect(body.match(/<line class="target"/g)).toHaveLength(1);
    expect(body).toContain(`scale-up target ${target} %`);
    expect(body).toContain(`Busy sequences, last`);
    expect(t).toContain(`environments/${HOSTILE_ENV.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}.yaml: add monitoring.alerts.p99LatencySeconds.threshold`);
  });

  it('a threshold changed in monitoring.json shows on the next page, with no restart; an unreadable file keeps the last one', async () => {
    const edited = JSON.parse(renderedMonitoring);
    edited.alerts.p99LatencySeconds.threshold = 1.5;
    edited.autoscaling.targetBusyPercent = 35;
    writeFileSync(monitoringPath, JSON.stringify(edited));
    // The kubelet swaps the file; make sure its mtime moves even within one clock tick.
    utimesSync(monitoringPath, new Date(), new Date(Date.now() + 2000));
    let body = (await get('/', cookie)).body;
    expect(body).toContain('alert &gt; 1.5 s');
    expect(body).toContain('scale-up target 35 %');
    writeFileSync(monitoringPath, '{ not json');
    utimesSync(monitoringPath, new Date(), new Date(Date.now() + 4000));
    body = (await get('/', cookie)).body;
    expect(body).toContain('alert &gt; 1.5 s');
    expect(sink.lines.filter((l) => l.includes('monitoring config unreadable'))).toHaveLength(1);
    await get('/', cookie);
    expect(sink.lines.filter((l) => l.includes('monitoring config unreadable'))).toHaveLength(1);
    writeFileSync(monitoringPath, renderedMonitoring);
    utimesSync(monitoringPath, new Date(), new Date(Date.now() + 6000));
    expect((await get('/', cookie)).body).toContain('alert &gt; 2 s');
  });

  it('keys: id, scopes, status, created, expires and the commands; never a hash', async () => {
    const r = await get('/keys', cookie);
    const t = text(r.body);
    expect(t).toContain(`${keys.admin.entry.id} admin active`);
    expect(t).toContain(`${keys.chat.entry.id} chat active`);
    expect(r.body).not.toContain(keys.admin.entry.sha256);
    expect(r.body).not.toContain(keys.admin.entry.sha256.slice(0, 12));
    expect(t).toContain(`npx smartbot keys revoke --env &#x27;&lt;script&gt;alert(&quot;env&quot;)&lt;/script&gt;&#x27; --id ${keys.chat.entry.id} --reason &quot;…&quot;`);
  });

  it('audit: the last entries newest first, with the chain verdict', async () => {
    const t = text((await get('/audit', cookie)).body);
    expect(t).toContain('✔ The key history verifies. 3 entries, hash chain intact, 0 signed.');
    expect(t.indexOf('ops.1')).toBeGreaterThan(t.indexOf('&lt;img'));
  });

  it('config: the service config, with URL passwords redacted, and monitoring.json beside it', async () => {
    const r = await get('/config', cookie);
    expect(text(r.body)).toContain(`The alert thresholds and the autoscaling target ( ${monitoringPath} )`);
    expect(r.body).toContain('&quot;targetBusyPercent&quot;');
    expect(r.body).not.toContain('hunter2');
    expect(r.body).toContain('redis://user:‹redacted›@127.0.0.1:6379');
  });

  it('serves its stylesheet and script from its own origin', async () => {
    expect((await get('/console.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/console.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
  });
});

describe('admin console: POST /login against a hostile client', () => {
  const post = (payload: string | object, headers: Record<string, string> = {}, ip = '10.1.0.1') =>
    admin.inject({ method: 'POST', url: '/login', payload, headers: { 'content-type': typeof payload === 'string' ? 'application/x-www-form-urlencoded' : 'application/json', ...headers }, remoteAddress: ip });

  it.each([[123], [{ a: 1 }], [['sb_x']], [null]])('a token that is not text (%j) is 400 with the reason, not 500', async (token) => {
    const r = await post({ token }, {}, '10.1.0.2');
    expect(r.statusCode).toBe(400);
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(text(r.body)).toContain('The token must be text: paste an admin API key or JWT into the field.');
  });

  it('counts each attempt before checking it: 40 concurrent JWT-shaped guesses from one address get 5 checked, 35 refused 429', async () => {
    const guess = (i: number) => `eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4${i}In0.${'A'.repeat(86)}`;
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => post(`token=${guess(i)}`, {}, '10.1.0.3')));
    const codes = answers.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 401)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(35);
  });

  it.each([
    [{ origin: 'https://evil.example' }],
    [{ origin: 'null' }],
    [{ origin: 'http://localhost:8080.evil.example' }],
    [{ 'sec-fetch-site': 'cross-site' }],
    [{ origin: 'http://localhost:80', 'sec-fetch-site': 'same-site' }],
  ])('refuses a sign-in sent from another site (%j): 403, no session', async (headers) => {
    const r = await post(`token=${encodeURIComponent(keys.admin.key)}`, headers, '10.1.0.4');
    expect(r.statusCode).toBe(403);
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(text(r.body)).toContain('This sign-in was sent from another site: sign in on the console page itself.');
  });

  it.each([[{ origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' }], [{ origin: 'null', 'sec-fetch-site': 'same-origin' }], [{ 'sec-fetch-site': 'none' }]])(
    "accepts the console's own page (%j: Chromium sends Origin null under the console's no-referrer policy)",
    async (headers) => {
      const r = await post(`token=${encodeURIComponent(keys.admin.key)}`, headers, '10.1.0.5');
      expect(r.statusCode).toBe(303);
    },
  );
});

describe('admin console: a key that appears only in a rewritten line of the history', () => {
  it('is refused at sign-in, naming the line, though the keyring (edited to match) accepts it; the Audit page says the history does not verify', async () => {
    const k = freshKeys();
    const { deps: d, close: closeRing } = scriptedDeps(k);
    // The history as written: the admin key created with its real hash (not the one in the keyring).
    const real = mintApiKey('ci-admin', ['admin'], { id: k.admin.entry.id });
    const dir = mkdtempSync(join(tmpdir(), 'smartbot-console-audit-'));
    const sealed = seal({ ts: '2026-12-01T10:00:00.000Z', env: d.config.environment, action: 'create', kind: 'api-key', keyId: real.entry.id, keyFingerprint: real.entry.sha256.slice(0, 12), actor: 'ops@example.com', reason: 'dashboard', ref: 'PR #1', key: { name: 'ci-admin', scopes: ['admin'], notBefore: real.entry.notBefore, sha256: real.entry.sha256 } }, undefined);
    // The forger's edit: their key's fingerprint and hash appended after "hash" (JSON readers keep the last copy).
    const forged = `${entryLine(sealed).slice(0, -1)},"keyFingerprint":"${k.admin.entry.sha256.slice(0, 12)}","key":{"name":"ci-admin","notBefore":"${real.entry.notBefore}","scopes":["admin"],"sha256":"${k.admin.entry.sha256}"}}`;
    writeFileSync(join(dir, 'key-rotations.jsonl'), `${forged}\n`);
    const app = buildAdminApp(d, { audit: { log: join(dir, 'key-rotations.jsonl'), workflowKey: join(dir, 'workflow-key.pub') } });
    try {
      const r = await app.inject({ method: 'POST', url: '/login', payload: `token=${encodeURIComponent(k.admin.key)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(r.statusCode).toBe(403);
      expect(r.headers['set-cookie']).toBeUndefined();
      expect(text(r.body)).toContain('This key appears in the key history only at line 1 of audit/key-rotations.jsonl, which does not verify: it was not recorded by smartbot keys. Run npx smartbot keys verify.');
      // A JWT is not a keyring key: it signs in, and the Audit page gives the verdict.
      const jwt = await mintToken(k.signing.privateKeyPem, { sub: 'ops', scope: 'admin', iss: JWT_DEFAULTS.issuer, expiresInSeconds: 60, kid: k.signing.kid });
      const cookie = cookieOf(await app.inject({ method: 'POST', url: '/login', payload: `token=${jwt}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
      const audit = text((await app.inject({ method: 'GET', url: '/audit', headers: { cookie } })).body);
      expect(audit).toContain('✖ The key history does not verify. 1 problem; the first at line 1: audit-not-canonical (seq 1).');
    } finally {
      closeRing();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('admin console: a revoked key', () => {
  it('ends its sessions at the next page, without a restart', async () => {
    const { deps: d, keys: k, ring, close: closeRing } = scriptedDeps();
    const app = buildAdminApp(d, {});
    try {
      const r = await app.inject({ method: 'POST', url: '/login', payload: `token=${encodeURIComponent(k.admin.key)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const cookie = cookieOf(r);
      expect((await app.inject({ method: 'GET', url: '/', headers: { cookie } })).statusCode).toBe(200);
      ring.write([k.chat.entry, { ...k.admin.entry, status: 'revoked' }]);
      await expect.poll(async () => (await app.inject({ method: 'GET', url: '/', headers: { cookie } })).headers.location, { timeout: 3000 }).toBe('/login');
    } finally {
      closeRing();
      await app.close();
    }
  });
});

describe('the config checksum', () => {
  it("is the rendered Deployment's config-checksum annotation, for the rendered config", async () => {
    const deployment = parse(readFileSync(join(repoRoot, 'rendered/prod/kubernetes/deployment.yaml'), 'utf8'));
    expect(configChecksum(renderedRuntimeConfig('prod'))).toBe(deployment.spec.template.metadata.annotations['smartbot.dev/config-checksum']);
  });
});

describe('admin console: several models', () => {
  it('the overview shows each model with its readiness, queue and fallbacks', async () => {
    const multi = scriptedDeps();
    const config = renderedRuntimeConfig('multi');
    const engines = Object.fromEntries(['small', 'large', 'hosted'].map((id) => [id, new ScriptedEngine(id, id === 'hosted' ? 'remote' : 'local')]));
    engines.hosted!.readinessState = { ready: false, reason: 'upstream unreachable: connect ECONNREFUSED' };
    engines.large!.depth = 3;
    multi.deps.config = { ...multi.deps.config, ...config, listen: multi.deps.config.listen, auth: multi.deps.config.auth };
    multi.deps.models = new ModelRouter(
      config.models!.map((spec) => ({ id: spec.id, engine: engines[spec.id]!, fallbacks: spec.fallbacks ?? [], contextTokens: spec.source === 'local' ? spec.contextSize : Infinity, spec })),
      'small',
    );
    const app = buildAdminApp(multi.deps, { sampleMs: 50 });
    try {
      const session = cookieOf(await app.inject({ method: 'POST', url: '/login', payload: `token=${encodeURIComponent(multi.keys.admin.key)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
      const t = text((await app.inject({ method: 'GET', url: '/', headers: { cookie: session } })).body);
      expect(t).toContain(' Models small Model id small (default: answers requests that name no model) Readiness ready Queue depth 0 Fallbacks large Source local GGUF, served by llama.cpp File /data/models/demo.gguf ');
      expect(t).toContain(' large Model id large Readiness ready Queue depth 3 Fallbacks none Source local GGUF, served by llama.cpp File /data/models/demo-second.gguf ');
      expect(t).toContain(' hosted Model id hosted Readiness not ready: upstream unreachable: connect ECONNREFUSED Queue depth 0 Fallbacks small Source remote, OpenAI-compatible Endpoint https://api.example.com/v1 ');
      expect(t).toContain('Threads 1'); // two local models share the CPU threads (2)
      expect(t).toContain('Queue depth 3'); // the service's, over all models
    } finally {
      multi.close();
      await app.close();
    }
  });
});
