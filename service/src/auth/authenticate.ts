// Who is calling: a keyring API key or a JWT, from `Authorization: Bearer …`.
// 401 for a missing, invalid, expired or revoked credential; 403 when the scope is not enough.
import { ApiError } from '../errors.js';
import { timingSafeEqual } from 'node:crypto';
import { looksLikeJwt, type JwtVerifier, type Refusal } from '../../../contract/jwt.js';
import { hashKey, type Scope } from '../../../contract/keyring-file.js';
import type { Keyring } from './keyring.js';

export interface Caller {
  id: string;
  scopes: Scope[];
  kind: 'api-key' | 'jwt';
}

/** admin includes chat. */
const allows = (scopes: Scope[], need: Scope) => scopes.includes(need) || scopes.includes('admin');

/** The API error for a refused token: expired tokens and retired or revoked signing keys have their own codes. */
export function tokenError(r: Refusal): ApiError {
  if (r.reason === 'expired') return new ApiError('token_expired');
  if (r.reason === 'key-retired') return new ApiError('token_key_retired', { kid: r.kid, at: r.at });
  if (r.reason === 'key-revoked') return new ApiError('token_key_revoked', { kid: r.kid });
  return new ApiError('token_refused', r);
}

/** The caller, when its scopes allow `need`. */
function allowed(caller: Caller, need: Scope): Caller {
  if (!allows(caller.scopes, need)) throw new ApiError('insufficient_scope', { has: caller.scopes, need });
  return caller;
}

/**
 * The caller, or the ApiError that refuses it: at once for an API key (a keyring lookup needs no
 * waiting, and every request passes here), as a promise for a JWT (its verifier may fetch keys).
 */
export function authenticate(header: string | undefined, need: Scope, keyring: Keyring, jwt: JwtVerifier | undefined): Caller | Promise<Caller> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) throw new ApiError('missing_credentials');
  const token = m[1]!;
  if (jwt && looksLikeJwt(token))
    return jwt.verify(token).then((r) => {
      if (!r.ok) throw tokenError(r);
      return allowed({ id: r.claims.sub, scopes: [r.claims.scope], kind: 'jwt' }, need);
    });
  const found = keyring.lookup(token);
  if (!found) throw new ApiError('invalid_api_key');
  const { entry, state } = found;
  if (state === 'revoked') throw new ApiError('api_key_revoked', { id: entry.id });
  if (state === 'expired') throw new ApiError('api_key_expired', { id: entry.id, at: entry.expires!, name: entry.name });
  if (state === 'not-yet-valid') throw new ApiError('api_key_not_yet_valid', { id: entry.id, from: entry.notBefore });
  return allowed({ id: entry.name, scopes: entry.scopes, kind: 'api-key' }, need);
}

/** How an app decides who is calling (the auth hook, before the route runs): throws, or rejects, with the refusal. */
export type Authenticate = (header: string | undefined, need: Scope) => Caller | Promise<Caller>;

/** The service's own: keyring API keys and JWTs. */
export const keyringAuth = (keyring: Keyring, jwt: JwtVerifier | undefined): Authenticate => (header, need) => authenticate(header, need, keyring, jwt);

/**
 * `auth`, refusing an API key that the key history names only in lines that do not verify (a
 * rewritten past entry with a keyring edited to match): `unvouched` gives such a key's line by
 * its SHA-256 (admin/audit.ts). Where the service runs beside its repository (`smartbot start`)
 * the history is there to ask; a pod has only its keyring, and CI's `keys verify --base` guards it.
 */
export function vouchedAuth(auth: Authenticate, unvouched: (sha256: string) => Promise<number | undefined>, file: string): Authenticate {
  return async (header, need) => {
    const caller = await auth(header, need);
    if (caller.kind !== 'api-key') return caller;
    const line = await unvouched(hashKey(/^Bearer\s+(\S+)\s*$/i.exec(header!)![1]!).toString('hex'));
    if (line !== undefined) throw new ApiError('api_key_unvouched', { line, file });
    return caller;
  };
}

/** The runtime container as a standalone upstream: one bearer key (from its environment). */
export function staticBearerAuth(key: string): Authenticate {
  const want = hashKey(key);
  return async (header) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) throw new ApiError('missing_credentials');
    if (!timingSafeEqual(hashKey(m[1]!), want)) throw new ApiError('invalid_api_key');
    return { id: 'upstream-client', scopes: ['admin'], kind: 'api-key' };
  };
}

/** The runtime container inside a pod: reachable only from the service beside it. */
export const podLocalAuth: Authenticate = async () => ({ id: 'pod-local', scopes: ['admin'], kind: 'api-key' });
