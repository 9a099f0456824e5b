// The running service follows rotation without a restart: the dev environment as `smartbot
// render` configures it (demo model through real llama.cpp, on 127.0.0.1), its keyring and JWT
// keys changed only by `smartbot keys` in a scratch repository. Rotate → both keys work during
// the overlap → the old one gets 401 key_expired → a revoked one gets 401 within 2 s; a JWT from
// a retired signing key gets 401 too.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../contract/jwt.js';
import { serviceConfig } from '../../contract/service-config.js';
import { buildDemoModel, DEMO_MODEL_FILE, DEMO_REPLY } from '../../gguf/demo-model.js';
import { startService, type RunningService } from '../../service/src/service.js';
import { validateEnvironments } from '../../validation/validate.js';
import { runCli } from '../helpers/cli.js';
import { scratchKeysRepo } from '../helpers/keys.js';
import { logSink } from '../helpers/service.js';

const root = scratchKeysRepo();
const who = ['--actor', 'ci@example.com', '--ref', 'PR #12', '--root', root];
const keys = async (...args: string[]) => {
  const r = await runCli('keys', ...args, ...who);
  if (r.code !== 0) throw new Error(r.err);
  return r.out.trim();
};
const sink = logSink();
let service: RunningService;
let firstKey: string;
/** When the rotated JWT signing key stops being accepted. */
let jwtRetiresAt: number;

const call = (credential: string) => fetch(`${service.url}/v1/models`, { headers: { authorization: `Bearer ${credential}` } });
const status = async (credential: string) => (await call(credential)).status;
/** Polls until the credential gets `want`; returns how long that took (ms), or throws after `limitMs`. */
async function until(credential: string, want: number, limitMs: number): Promise<number> {
  const start = performance.now();
  for (;;) {
    if ((await status(credential)) === want) return performance.now() - start;
    if (performance.now() - start > limitMs) throw new Error(`still not ${want} after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const token = (file: string) => mintToken(readFileSync(join(root, file), 'utf8'), { sub: 'ops', scope: 'chat', iss: 'smartbot', expiresInSeconds: 600 });

beforeAll(async () => {
  firstKey = await keys('create', '--env', 'dev', '--id', 'ci', '--reason', 'CI smoke tests');
  // JWT signing keys live in the environment: rotated before this deploy, the old key retiring in 25 s
  // (long enough for a loaded machine to start the service; the last test waits for the rest).
  await keys('create', '--jwt', '--env', 'dev', '--reason', 'first signing key', '--out', join(root, 'jwt-1.pem'));
  await keys('rotate', '--jwt', '--env', 'dev', '--overlap', '25s', '--reason', 'rotation', '--out', join(root, 'jwt-2.pem'));
  const report = validateEnvironments({ root, paths: [join(root, 'environments/dev.yaml')] });
  expect(report.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const config = serviceConfig('dev', report.environments[0]!.config!);
  jwtRetiresAt = Date.parse(config.auth.jwt!.keys.find((k) => k.status === 'retiring')!.retiresAt!);
  writeFileSync(join(root, DEMO_MODEL_FILE), buildDemoModel());
  service = await startService(
    { ...config, listen: { host: '127.0.0.1', port: 0 }, auth: { ...config.auth, keyringFile: join(root, 'keyrings/dev.json') } },
    { modelsDir: root, log: sink.log, localInference: 'in-process' },
  );
  await service.loaded;
}, 60_000);

afterAll(async () => {
  await service?.close();
});

describe('a running service follows key rotation, without a restart', () => {
  it('the created key answers the guide request', async () => {
    const r = await fetch(`${service.url}/api/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${firstKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: '你好,介绍一下自己' }], temperature: 0 }),
    });
    expect(r.status).toBe(200);
    expect((await r.json()).choices[0].message.content).toBe(DEMO_REPLY);
  });

  it('JWTs from both signing keys work during their overlap', async () => {
    expect(Date.now()).toBeLessThan(jwtRetiresAt);
    expect([await status(await token('jwt-1.pem')), await status(await token('jwt-2.pem'))]).toEqual([200, 200]);
  });

  it('rotate: both API keys work during the overlap; after it the old one gets 401 key_expired', async () => {
    const secondKey = await keys('rotate', '--env', 'dev', '--id', 'ci', '--overlap', '4s', '--reason', 'quarterly');
    const reload = await until(secondKey, 200, 2000);
    expect(reload).toBeLessThan(2000);
    expect(await status(firstKey)).toBe(200);
    const expires = Date.parse(JSON.parse(readFileSync(join(root, 'keyrings/dev.json'), 'utf8')).keys[0].expires);
    await new Promise((r) => setTimeout(r, Math.max(0, expires - Date.now() + 50)));
    const refused = await call(firstKey);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({
      error: { message: `The API key ci.1 expired at ${new Date(expires).toISOString()}: use the current key for ci.`, type: 'invalid_request_error', param: null, code: 'key_expired' },
    });
    expect(await status(secondKey)).toBe(200);

    // Revoked: refused within 2 s of the command, by the same process.
    await keys('revoke', '--env', 'dev', '--id', 'ci.2', '--reason', 'leaked in a log');
    expect(await until(secondKey, 401, 2000)).toBeLessThan(2000);
    expect((await (await call(secondKey)).json()).error).toMatchObject({ code: 'key_revoked', message: 'The API key ci.2 has been revoked.' });
    expect(sink.lines.filter((l) => l.includes('listening'))).toHaveLength(1);
    expect(sink.lines.some((l) => /keyring loaded .*reason="?file change/.test(l))).toBe(true);
    expect((await runCli('keys', 'verify', '--root', root)).code).toBe(0);
  }, 20_000);

  it('a JWT from the retired signing key gets 401 key_expired once its overlap is over', async () => {
    const [old, current] = [await token('jwt-1.pem'), await token('jwt-2.pem')];
    await new Promise((r) => setTimeout(r, Math.max(0, jwtRetiresAt - Date.now() + 50)));
    const refused = await call(old);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error).toMatchObject({ code: 'key_expired', message: expect.stringMatching(/^The token's signing key "\S+" retired at 20\S+Z: mint a new token with the current key\.$/) });
    expect(await status(current)).toBe(200);
  }, 30_000);
});
