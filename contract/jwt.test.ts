// JWT verification: every claim rule the service enforces, each refused with its reason.
import { createPrivateKey, sign } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, importSPKI } from 'jose';
import { describe, expect, it } from 'vitest';
import { CLOCK_LEEWAY_SECONDS, JwtVerifier, keyId, mintToken, type MintOptions } from './jwt.js';
import { jwtConfig, signingKey } from '../test/helpers/service.js';
import { tokenError } from '../service/src/auth/authenticate.js';

const current = signingKey();
const retiring = signingKey();
const revoked = signingKey();
const now = Date.parse('2026-11-26T12:00:00Z');
const retiresAt = new Date(now + 3600_000).toISOString();
const verifier = (extra: Parameters<typeof jwtConfig>[1] = {}) =>
  new JwtVerifier(jwtConfig([current, { ...retiring, status: 'retiring', retiresAt }, { ...revoked, status: 'revoked' }], extra));
const claims: MintOptions = { sub: 'ops', scope: 'chat', iss: 'smartbot', expiresInSeconds: 600 };
const mint = (opts: Partial<MintOptions> = {}, key = current, at = now) => mintToken(key.privateKeyPem, { ...claims, kid: key.kid, ...opts }, at);

/** A token with a hand-made header and payload, signed with `key` (what jose will not produce). */
function handMade(header: object, payload: object, key = current): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), createPrivateKey(key.privateKeyPem)).toString('base64url')}`;
}
const iat = Math.floor(now / 1000);
/** What the service answers for a verification result: status, code, message. */
const answer = (r: Awaited<ReturnType<JwtVerifier['verify']>>) => {
  if (r.ok) return [200];
  const e = tokenError(r);
  return [e.status, e.code, e.message];
};

describe('JwtVerifier', () => {
  it('accepts a token from the active key, naming it by kid', async () => {
    const r = await verifier().verify(await mint(), now);
    expect(r).toEqual({ ok: true, kid: current.kid, claims: { sub: 'ops', scope: 'chat', iss: 'smartbot', iat, exp: iat + 600 } });
  });

  it('accepts the retiring key until retiresAt, then refuses it as retired: 401 key_expired', async () => {
    const token = await mint({}, retiring);
    expect((await verifier().verify(token, now)).ok).toBe(true);
    const r = await verifier().verify(token, now + 3600_000);
    expect(r).toEqual({ ok: false, reason: 'key-retired', kid: retiring.kid, at: retiresAt });
    expect(answer(r)).toEqual([401, 'key_expired', `The token's signing key "${retiring.kid}" retired at ${retiresAt}: mint a new token with the current key.`]);
  });

  const claimsFor = (extra: object = {}) => ({ sub: 'a', scope: 'chat', iss: 'smartbot', iat, exp: iat + 60, ...extra });
  it.each<[string, () => Promise<string>, object, string, string?]>([
    ['an unknown kid', async () => mint({ kid: 'not-ours' }), { reason: 'unknown-kid', kid: 'not-ours' }, 'The token\'s signing key "not-ours" is not one of this environment\'s keys.'],
    ['no kid', async () => handMade({ alg: 'EdDSA', typ: 'JWT' }, claimsFor()), { reason: 'no-kid' }, 'The token names no signing key (kid header): mint a new one with `smartbot token`.'],
    ['a revoked key', async () => mint({}, revoked), { reason: 'key-revoked', kid: revoked.kid }, `The token's signing key "${revoked.kid}" has been revoked: mint a new token with the current key.`, 'key_revoked'],
    ['another key under our kid', async () => mint({ kid: current.kid }, signingKey()), { reason: 'signature' }, 'The token signature does not verify.'],
    ['nbf in the future (beyond the leeway)', async () => mint({ notBeforeSeconds: CLOCK_LEEWAY_SECONDS + 60 }), { reason: 'not-yet-valid' }, 'The token is not valid yet (nbf).'],
    ['iat in the future (beyond the leeway)', async () => mint({}, current, now + (CLOCK_LEEWAY_SECONDS + 60) * 1000), { reason: 'issued-in-future' }, 'The token was issued in the future (iat).'],
    ['an expired token', async () => mint({ expiresInSeconds: 60 }, current, now - 200_000), { reason: 'expired' }, 'The access token has expired: mint a new one with `smartbot token`.', 'token_expired'],
    ['a lifetime over the maximum', async () => mint({ expiresInSeconds: 86400 + 1 }), { reason: 'lifetime', lifetime: 86401, max: 86400 }, "The token's lifetime (exp − iat = 86401 s) exceeds this environment's maximum of 86400 s."],
    ['no sub', async () => handMade({ alg: 'EdDSA', kid: current.kid }, { scope: 'chat', iss: 'smartbot', iat, exp: iat + 60 }), { reason: 'claim', claim: 'sub' }, 'The token\'s "sub" claim is missing or invalid.'],
    ['another issuer', async () => mint({ iss: 'elsewhere' }), { reason: 'issuer', expected: 'smartbot' }, 'The token\'s issuer (iss) must be "smartbot".'],
    ['an unknown scope', async () => handMade({ alg: 'EdDSA', kid: current.kid }, claimsFor({ scope: 'root' })), { reason: 'claim', claim: 'scope' }, 'The token\'s "scope" claim is missing or invalid.'],
    ['an unknown crit header', async () => handMade({ alg: 'EdDSA', kid: current.kid, crit: ['exp-policy'], 'exp-policy': 1 }, claimsFor()), { reason: 'crit', extension: 'exp-policy' }, 'The token requires the extension "exp-policy" (crit header), which this server does not support.'],
    ['alg none', async () => `${Buffer.from(JSON.stringify({ alg: 'none', kid: current.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(claimsFor())).toString('base64url')}.`, { reason: 'algorithm' }, "The token's algorithm (alg) must be EdDSA."],
    ['alg HS256 (key confusion)', async () => handMade({ alg: 'HS256', kid: current.kid }, claimsFor()), { reason: 'algorithm' }, "The token's algorithm (alg) must be EdDSA."],
    ['not a JWT at all', async () => 'eyJub3Q.anwt.atall', { reason: 'malformed' }, 'The token is malformed.'],
  ])('refuses %s: 401 with its reason', async (_what, token, refusal, message, code = 'invalid_api_key') => {
    const r = await verifier().verify(await token(), now);
    expect(r).toEqual({ ok: false, ...refusal });
    expect(answer(r)).toEqual([401, code, message]);
  });

  it('tolerates small clock skew on nbf and iat', async () => {
    expect((await verifier().verify(await mint({ notBeforeSeconds: CLOCK_LEEWAY_SECONDS - 5 }), now)).ok).toBe(true);
    expect((await verifier().verify(await mint({}, current, now + (CLOCK_LEEWAY_SECONDS - 5) * 1000), now)).ok).toBe(true);
  });

  it('checks aud only when the environment sets an audience', async () => {
    const withAud = verifier({ audience: 'smartbot-prod' });
    expect((await withAud.verify(await mint({ aud: 'smartbot-prod' }), now)).ok).toBe(true);
    const missing = await withAud.verify(await mint(), now);
    expect(missing).toEqual({ ok: false, reason: 'audience', expected: 'smartbot-prod' });
    expect(answer(missing)).toEqual([401, 'invalid_api_key', 'The token\'s audience (aud) must include "smartbot-prod".']);
    expect(await withAud.verify(await mint({ aud: 'smartbot-dev' }), now)).toMatchObject({ ok: false, reason: 'audience' });
    expect((await verifier().verify(await mint({ aud: 'anything' }), now)).ok).toBe(true);
  });

  it('the maximum lifetime comes from the config', async () => {
    const strict = verifier({ maxLifetimeSeconds: 300 });
    expect(await strict.verify(await mint({ expiresInSeconds: 600 }), now)).toMatchObject({ ok: false, reason: 'lifetime' });
    expect((await strict.verify(await mint({ expiresInSeconds: 300 }), now)).ok).toBe(true);
  });
});

describe('keyId', () => {
  it('is the RFC 7638 JWK thumbprint jose computes, from either half of the key', async () => {
    const jwk = await exportJWK(await importSPKI(current.publicKeyPem, 'EdDSA', { extractable: true }));
    expect(keyId(current.publicKeyPem)).toBe(await calculateJwkThumbprint(jwk));
    expect(keyId(current.privateKeyPem)).toBe(current.kid);
  });
});
