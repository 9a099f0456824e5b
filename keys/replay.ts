// Replaying the audit log derives every environment's keys: the keyring (API keys) and the JWT
// signing keys. `smartbot keys` writes keyrings only as a replay, and `keys verify` proves the
// committed ones are exactly that, so a keyring cannot change without an audit entry.
import type { JwtKey } from '../contract/environment.js';
import type { KeyEntry } from '../contract/keyring-file.js';
import type { AuditEntry } from '../contract/audit-log.js';

export interface EnvKeys {
  apiKeys: KeyEntry[];
  jwtKeys: JwtKey[];
}

export type ReplayProblem = 'unknown' | 'exists' | 'not-active' | 'revoked';

export const emptyKeys = (): EnvKeys => ({ apiKeys: [], jwtKeys: [] });

/** Keys by id (API keys and JWT kids apart), kept beside each EnvKeys so a long history replays in linear time. */
const indexes = new WeakMap<EnvKeys, { api: Map<string, KeyEntry>; jwt: Map<string, JwtKey> }>();
function indexOf(keys: EnvKeys) {
  let index = indexes.get(keys);
  if (!index) indexes.set(keys, (index = { api: new Map(keys.apiKeys.map((k) => [k.id, k])), jwt: new Map(keys.jwtKeys.map((k) => [k.kid, k])) }));
  return index;
}

/** Applies one entry to an environment's keys (in place); returns what makes it impossible, if anything. */
export function applyEntry(keys: EnvKeys, e: AuditEntry): { problem: ReplayProblem; keyId: string } | undefined {
  const index = indexOf(keys);
  const find = (id: string) => (e.kind === 'jwt' ? index.jwt.get(id) : index.api.get(id));
  if (e.action === 'revoke') {
    const k = find(e.keyId);
    if (!k) return { problem: 'unknown', keyId: e.keyId };
    if (k.status === 'revoked') return { problem: 'revoked', keyId: e.keyId };
    k.status = 'revoked';
    return undefined;
  }
  if (find(e.keyId)) return { problem: 'exists', keyId: e.keyId };
  if (e.retires) {
    const old = find(e.retires.keyId);
    if (!old) return { problem: 'unknown', keyId: e.retires.keyId };
    if (old.status !== 'active') return { problem: 'not-active', keyId: e.retires.keyId };
    old.status = 'retiring';
    if (e.kind === 'jwt') (old as JwtKey).retiresAt = e.retires.until;
    else {
      // A key that already expires before the overlap ends keeps its earlier expiry.
      const api = old as KeyEntry;
      if (api.expires === undefined || api.expires > e.retires.until) api.expires = e.retires.until;
    }
  }
  const k = e.key!;
  if ('publicKey' in k) {
    const added: JwtKey = { kid: e.keyId, publicKey: k.publicKey, status: 'active' };
    keys.jwtKeys.push(added);
    index.jwt.set(added.kid, added);
  } else {
    const added: KeyEntry = { id: e.keyId, name: k.name, status: 'active', scopes: k.scopes, created: e.ts, notBefore: k.notBefore, ...(k.expires ? { expires: k.expires } : {}), sha256: k.sha256 };
    keys.apiKeys.push(added);
    index.api.set(added.id, added);
  }
  return undefined;
}

/** Every environment's keys after the whole log; the first impossible entry stops its environment. */
export function replay(entries: readonly AuditEntry[]): { envs: Map<string, EnvKeys>; problems: { entry: AuditEntry; problem: ReplayProblem; keyId: string }[] } {
  const envs = new Map<string, EnvKeys>();
  const problems: { entry: AuditEntry; problem: ReplayProblem; keyId: string }[] = [];
  for (const e of entries) {
    let keys = envs.get(e.env);
    if (!keys) envs.set(e.env, (keys = emptyKeys()));
    const p = applyEntry(keys, e);
    if (p) problems.push({ entry: e, ...p });
  }
  return { envs, problems };
}
