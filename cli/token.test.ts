// smartbot token: signs with the current key, named by kid, within what the service config accepts.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwtVerifier, keyId } from '../contract/jwt.js';
import type { ServiceConfig } from '../contract/service-config.js';
import { runCli } from '../test/helpers/cli.js';
import { jwtConfig, renderedRuntimeConfig, signingKey } from '../test/helpers/service.js';
import { tempDir } from '../test/helpers/temp.js';

const dir = tempDir('smartbot-token-');
const current = signingKey();
const old = signingKey();
const jwt = jwtConfig([{ ...old, status: 'retiring', retiresAt: '2099-01-01T00:00:00.000Z' }, current], { audience: 'smartbot-prod', maxLifetimeSeconds: 3600 });
const configFile = join(dir, 'runtime.json');
writeFileSync(configFile, JSON.stringify({ ...renderedRuntimeConfig('prod'), auth: { keyringFile: '/dev/null', jwt } } satisfies ServiceConfig));
const keyFile = (k: { privateKeyPem: string }, name: string) => {
  const f = join(dir, name);
  writeFileSync(f, k.privateKeyPem);
  return f;
};

describe('smartbot token', () => {
  it('--keygen writes the pair (private mode 600) and prints the keys entry with its kid', async () => {
    const out = join(dir, 'keygen');
    const r = await runCli('token', '--keygen', out);
    expect(r.code).toBe(0);
    expect(statSync(join(out, 'jwt-private.pem')).mode & 0o777).toBe(0o600);
    const kid = keyId(readFileSync(join(out, 'jwt-public.pem'), 'utf8'));
    expect(r.out).toContain(`security:\n  jwt:\n    keys:\n      - kid: ${kid}\n        status: active\n        publicKey: |\n            -----BEGIN PUBLIC KEY-----\n`);
  });

  it('signs with the active key of the config: kid, issuer and audience as the service expects', async () => {
    const r = await runCli('token', '--user', 'ops', '--expiry', '600', '--key', keyFile(current, 'current.pem'), '--config', configFile);
    expect(r.code).toBe(0);
    const token = r.out.trim();
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: current.kid });
    expect(await new JwtVerifier(jwt).verify(token)).toMatchObject({ ok: true, kid: current.kid, claims: { sub: 'ops', scope: 'chat', iss: 'smartbot', aud: 'smartbot-prod' } });
  });

  it.each([
    [[], 'retiring.pem', 'the signing key OLD is retiring in CONFIG: sign with the active key CURRENT'],
    [[], 'stranger.pem', 'this signing key (kid STRANGER) is not one of CONFIG\'s keys (OLD retiring, CURRENT active): sign with the active one'],
    [['--expiry', '7200'], 'current.pem', '--expiry 7200 exceeds CONFIG\'s maximum token lifetime of 3600 s'],
  ])('refuses %j with %s', async (extra, file, message) => {
    const stranger = signingKey();
    const key = file === 'retiring.pem' ? old : file === 'stranger.pem' ? stranger : current;
    const r = await runCli('token', '--user', 'ops', '--expiry', '600', '--key', keyFile(key, file), '--config', configFile, ...extra);
    expect(r.code).toBe(2);
    const text = message.replace('OLD', old.kid).replace('CURRENT', current.kid).replace('STRANGER', stranger.kid).replaceAll('CONFIG', configFile);
    expect(r.err).toBe(`smartbot token: ${text}\nRun \`smartbot token --help\` for usage.\n`);
  });

  it('--env reads the rendered config of an environment; one without JWTs says so', async () => {
    const r = await runCli('token', '--user', 'ops', '--expiry', '600', '--key', keyFile(current, 'current.pem'), '--env', 'dev');
    expect(r.code).toBe(2);
    expect(r.err).toBe('smartbot token: rendered/dev/kubernetes/configmap.yaml accepts no JWTs (security.jwt is not set)\nRun `smartbot token --help` for usage.\n');
  });
});
