// Who is calling: a keyring API key or a JWT, from `Authorization: Bearer …`.
// 401 for a missing, invalid or expired credential; 403 when the scope is not enough.
import { ApiError } from '../errors.js';
import { timingSafeEqual } from 'node:crypto';
import { looksLikeJwt, type JwtVerifier } from '../../../contract/jwt.js';
import { hashKey, type Scope } from '../../../contract/keyring-file.js';
import type { Keyring } from './keyring.js';

export interface Caller {
  id: string;
  scopes: Scope[];
  kind: 'api-key' | 'jwt';
}

/** admin includes chat. */
const allows = (scopes: Scope[], need: Scope) => scopes.includes(need) || scopes.includes('admin');

export function authenticate(header: string | undefined, need: Scope, keyring: Keyring, jwt: JwtVerifier | undefined): Caller {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) throw new ApiError('missing_credentials');
  const token = m[1]!;
  let caller: Caller;
  if (jwt && looksLikeJwt(token)) {
    const r = jwt.verify(token);
    if (!r.ok) throw new ApiError(r.reason === 'expired' ? 'token_expired' : 'invalid_api_key');
    caller = { id: r.claims.sub, scopes: [r.claims.scope], kind: 'jwt' };
  } else {
    const entry = keyring.lookup(token);
    if (!entry) throw new ApiError('invalid_api_key');
    caller = { id: entry.id, scopes: entry.scopes, kind: 'api-key' };
  }
  if (!allows(caller.scopes, need)) throw new ApiError('insufficient_scope', { has: caller.scopes, need });
  return caller;
}

/** How an app decides who is calling. */
export type Authenticate = (header: string | undefined, need: Scope) => Caller;

/** The service's own: keyring API keys and JWTs. */
export const keyringAuth = (keyring: Keyring, jwt: JwtVerifier | undefined): Authenticate => (header, need) => authenticate(header, need, keyring, jwt);

/** The runtime container as a standalone upstream: one bearer key (from its environment). */
export function staticBearerAuth(key: string): Authenticate {
  const want = hashKey(key);
  return (header) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) throw new ApiError('missing_credentials');
    if (!timingSafeEqual(hashKey(m[1]!), want)) throw new ApiError('invalid_api_key');
    return { id: 'upstream-client', scopes: ['admin'], kind: 'api-key' };
  };
}

/** The runtime container inside a pod: reachable only from the service beside it. */
export const podLocalAuth: Authenticate = () => ({ id: 'pod-local', scopes: ['admin'], kind: 'api-key' });
