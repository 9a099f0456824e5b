// JWT access tokens signed with EdDSA (Ed25519), using node:crypto only. Minted by
// `smartbot token`; verified by the service against the public key in its config.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { Scope } from './keyring-file.js';

export interface Claims {
  sub: string;
  scope: Scope;
  iss: string;
  iat: number;
  exp: number;
}

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function mintToken(privateKeyPem: string, claims: { sub: string; scope: Scope; iss: string; expiresInSeconds: number }, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  const head = `${b64({ alg: 'EdDSA', typ: 'JWT' })}.${b64({ sub: claims.sub, scope: claims.scope, iss: claims.iss, iat, exp: iat + claims.expiresInSeconds })}`;
  const sig = sign(null, Buffer.from(head), createPrivateKey(privateKeyPem));
  return `${head}.${sig.toString('base64url')}`;
}

export type VerifyResult = { ok: true; claims: Claims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'issuer' };

export const looksLikeJwt = (token: string) => /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);

export class JwtVerifier {
  private readonly key: KeyObject;
  constructor(
    publicKeyPem: string,
    private readonly issuer: string,
  ) {
    this.key = createPublicKey(publicKeyPem);
  }

  verify(token: string, now = Date.now()): VerifyResult {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'malformed' };
    let header: { alg?: string };
    let claims: Claims;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    // Only EdDSA: never let the token pick its own algorithm (no "none", no HMAC confusion).
    if (header.alg !== 'EdDSA') return { ok: false, reason: 'malformed' };
    if (!verify(null, Buffer.from(`${parts[0]}.${parts[1]}`), this.key, Buffer.from(parts[2]!, 'base64url'))) return { ok: false, reason: 'signature' };
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return { ok: false, reason: 'expired' };
    if (claims.iss !== this.issuer) return { ok: false, reason: 'issuer' };
    if (claims.scope !== 'chat' && claims.scope !== 'admin') return { ok: false, reason: 'malformed' };
    return { ok: true, claims };
  }
}

export function generateSigningKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
