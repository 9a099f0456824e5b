// JWT access tokens signed with EdDSA (Ed25519), through `jose` (a maintained JOSE library:
// algorithm pinning, `crit` handling and claim checks are its job, not ours). Minted by
// `smartbot token`; verified by the service against the environment's signing keys, which the
// token names in its `kid` header, so a signing key can rotate with an overlap.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { JwtKey } from './environment.js';
import type { Scope } from './keyring-file.js';

export type { JwtKey };

/** What the service needs to verify tokens (security.jwt with its defaults applied). */
export interface JwtConfig {
  keys: JwtKey[];
  issuer: string;
  audience?: string;
  maxLifetimeSeconds: number;
}

/** Clock skew tolerated on exp, nbf and iat between the minting host and the service. */
export const CLOCK_LEEWAY_SECONDS = 30;

export interface Claims {
  sub: string;
  scope: Scope;
  iss: string;
  iat: number;
  exp: number;
  nbf?: number;
  aud?: string | string[];
}

export interface MintOptions {
  sub: string;
  scope: Scope;
  iss: string;
  expiresInSeconds: number;
  /** The signing key's id (default: its JWK thumbprint, what `token --keygen` prints). */
  kid?: string;
  aud?: string;
  /** Not valid before now + this many seconds. */
  notBeforeSeconds?: number;
}

/**
 * RFC 7638 JWK thumbprint of an Ed25519 public (or private) key: the default `kid`. For an OKP
 * key it is the SHA-256 of {"crv","kty","x"} in that order — computed here synchronously (jose's
 * calculateJwkThumbprint is async; jwt.test.ts checks both agree).
 */
export function keyId(pem: string): string {
  const key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new Error(`not an Ed25519 key (${jwk.kty} ${jwk.crv ?? ''})`);
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest('base64url');
}

export async function mintToken(privateKeyPem: string, claims: MintOptions, now = Date.now()): Promise<string> {
  const key = createPrivateKey(privateKeyPem);
  const iat = Math.floor(now / 1000);
  const jwt = new SignJWT({ scope: claims.scope })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: claims.kid ?? keyId(privateKeyPem) })
    .setSubject(claims.sub)
    .setIssuer(claims.iss)
    .setIssuedAt(iat)
    .setExpirationTime(iat + claims.expiresInSeconds);
  if (claims.aud) jwt.setAudience(claims.aud);
  if (claims.notBeforeSeconds) jwt.setNotBefore(iat + claims.notBeforeSeconds);
  return jwt.sign(key);
}

/** Why a token was refused, with what the message needs; the service's error catalogue words it. */
export type Refusal =
  | { reason: 'malformed' }
  | { reason: 'algorithm' }
  | { reason: 'signature' }
  | { reason: 'expired' }
  | { reason: 'not-yet-valid' }
  | { reason: 'issued-in-future' }
  | { reason: 'lifetime'; lifetime: number; max: number }
  | { reason: 'issuer'; expected: string }
  | { reason: 'audience'; expected: string }
  | { reason: 'claim'; claim: string }
  | { reason: 'no-kid' }
  | { reason: 'unknown-kid'; kid: string }
  | { reason: 'key-retired'; kid: string; at: string }
  | { reason: 'key-revoked'; kid: string }
  | { reason: 'crit'; extension: string };

export type VerifyResult = { ok: true; claims: Claims; kid: string } | ({ ok: false } & Refusal);

export const looksLikeJwt = (token: string) => /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);

const refuse = (r: Refusal): VerifyResult => ({ ok: false, ...r });

export class JwtVerifier {
  private readonly keys = new Map<string, { key: KeyObject; status: JwtKey['status']; retiresAt?: number }>();

  constructor(private readonly config: JwtConfig) {
    for (const k of config.keys) this.keys.set(k.kid, { key: createPublicKey(k.publicKey), status: k.status, ...(k.retiresAt ? { retiresAt: Date.parse(k.retiresAt) } : {}) });
  }

  async verify(token: string, now = Date.now()): Promise<VerifyResult> {
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return refuse({ reason: 'malformed' });
    }
    if (typeof kid !== 'string') return refuse({ reason: 'no-kid' });
    const signer = this.keys.get(kid);
    if (!signer) return refuse({ reason: 'unknown-kid', kid });
    if (signer.status === 'revoked') return refuse({ reason: 'key-revoked', kid });
    if (signer.retiresAt !== undefined && signer.retiresAt <= now) return refuse({ reason: 'key-retired', kid, at: new Date(signer.retiresAt).toISOString() });
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, signer.key, {
        // Never let the token pick its algorithm: no "none", no HMAC with the public key.
        algorithms: ['EdDSA'],
        issuer: this.config.issuer,
        ...(this.config.audience ? { audience: this.config.audience } : {}),
        requiredClaims: ['sub', 'iat', 'exp'],
        // Also refuses an iat in the future (beyond the leeway).
        maxTokenAge: this.config.maxLifetimeSeconds + CLOCK_LEEWAY_SECONDS,
        clockTolerance: CLOCK_LEEWAY_SECONDS,
        currentDate: new Date(now),
        // No extensions are understood: any `crit` header names one, and is refused.
        crit: {},
      }));
    } catch (e) {
      return this.explain(e);
    }
    const lifetime = payload.exp! - payload.iat!;
    if (lifetime > this.config.maxLifetimeSeconds) return refuse({ reason: 'lifetime', lifetime, max: this.config.maxLifetimeSeconds });
    if (payload.scope !== 'chat' && payload.scope !== 'admin') return refuse({ reason: 'claim', claim: 'scope' });
    return { ok: true, kid, claims: payload as unknown as Claims };
  }

  private explain(e: unknown): VerifyResult {
    if (e instanceof errors.JWTExpired) return refuse({ reason: 'expired' });
    if (e instanceof errors.JWSSignatureVerificationFailed) return refuse({ reason: 'signature' });
    if (e instanceof errors.JOSEAlgNotAllowed) return refuse({ reason: 'algorithm' });
    if (e instanceof errors.JOSENotSupported && /Extension Header Parameter/.test(e.message)) return refuse({ reason: 'crit', extension: /"([^"]*)"/.exec(e.message)?.[1] ?? '?' });
    if (e instanceof errors.JWTClaimValidationFailed) {
      if (e.claim === 'nbf') return refuse({ reason: 'not-yet-valid' });
      if (e.claim === 'iat') return refuse({ reason: 'issued-in-future' });
      if (e.claim === 'iss') return refuse({ reason: 'issuer', expected: this.config.issuer });
      if (e.claim === 'aud') return refuse({ reason: 'audience', expected: this.config.audience ?? '' });
      return refuse({ reason: 'claim', claim: e.claim });
    }
    return refuse({ reason: 'malformed' });
  }
}

export function generateSigningKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
