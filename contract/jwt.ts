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

/** Why a token was refused; each maps to one API error (service/src/auth/authenticate.ts). */
export type RejectReason =
  | 'malformed'
  | 'signature'
  | 'expired'
  | 'not-yet-valid'
  | 'issued-in-future'
  | 'lifetime'
  | 'issuer'
  | 'audience'
  | 'claims'
  | 'unknown-kid'
  | 'key-retired'
  | 'key-revoked'
  | 'crit';

export type VerifyResult = { ok: true; claims: Claims; kid: string } | { ok: false; reason: RejectReason; detail: string };

export const looksLikeJwt = (token: string) => /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);

const refuse = (reason: RejectReason, detail: string): VerifyResult => ({ ok: false, reason, detail });

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
      return refuse('malformed', 'The token is not a JWT.');
    }
    if (typeof kid !== 'string') return refuse('unknown-kid', 'The token names no signing key (kid header): mint a new one with `smartbot token`.');
    const signer = this.keys.get(kid);
    if (!signer) return refuse('unknown-kid', `The token's signing key "${kid}" is not one of this environment's keys.`);
    if (signer.status === 'revoked') return refuse('key-revoked', `The token's signing key "${kid}" has been revoked: mint a new token with the current key.`);
    if (signer.retiresAt !== undefined && signer.retiresAt <= now)
      return refuse('key-retired', `The token's signing key "${kid}" retired at ${new Date(signer.retiresAt).toISOString()}: mint a new token with the current key.`);
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
    if (payload.exp! - payload.iat! > this.config.maxLifetimeSeconds)
      return refuse('lifetime', `The token's lifetime (exp − iat = ${payload.exp! - payload.iat!} s) exceeds this environment's maximum of ${this.config.maxLifetimeSeconds} s.`);
    if (payload.scope !== 'chat' && payload.scope !== 'admin') return refuse('claims', 'The token\'s "scope" claim must be chat or admin.');
    return { ok: true, kid, claims: payload as unknown as Claims };
  }

  private explain(e: unknown): VerifyResult {
    if (e instanceof errors.JWTExpired) return refuse('expired', 'The access token has expired: mint a new one with `smartbot token`.');
    if (e instanceof errors.JWSSignatureVerificationFailed) return refuse('signature', 'The token signature does not verify.');
    if (e instanceof errors.JOSEAlgNotAllowed) return refuse('malformed', "The token's algorithm (alg) must be EdDSA.");
    if (e instanceof errors.JOSENotSupported) return refuse(/Extension Header Parameter/.test(e.message) ? 'crit' : 'malformed', `The token uses an unsupported feature: ${e.message}.`);
    if (e instanceof errors.JWTClaimValidationFailed) {
      if (e.claim === 'nbf') return refuse('not-yet-valid', 'The token is not valid yet (nbf).');
      if (e.claim === 'iat') return refuse('issued-in-future', 'The token was issued in the future (iat).');
      if (e.claim === 'iss') return refuse('issuer', `The token's issuer (iss) must be "${this.config.issuer}".`);
      if (e.claim === 'aud') return refuse('audience', `The token's audience (aud) must include "${this.config.audience}".`);
      return refuse('claims', `The token's "${e.claim}" claim is missing or invalid.`);
    }
    return refuse('malformed', 'The token is malformed.');
  }
}

export function generateSigningKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
