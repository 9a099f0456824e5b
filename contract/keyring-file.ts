// The keyring file format (keyrings/<env>.json, mounted as the keyring ConfigMap): SHA-256
// hashes of API keys with their lifecycle, never the keys. Derived by `smartbot keys` from the
// audit history (audit/key-rotations.jsonl), read by the service and by `smartbot validate`.
import { hash, randomBytes } from 'node:crypto';

export type Scope = 'chat' | 'admin';
export const SCOPES: readonly Scope[] = ['chat', 'admin'];

/** active: accepted; retiring: accepted until `expires` (the rotation overlap); revoked: refused at once. */
export type KeyStatus = 'active' | 'retiring' | 'revoked';
export const KEY_STATUSES: readonly KeyStatus[] = ['active', 'retiring', 'revoked'];

export interface KeyEntry {
  /** Unique key id: `<name>.<generation>`, e.g. `ci.2` after one rotation of `ci`. */
  id: string;
  /** The credential the key belongs to; the service names callers by it. */
  name: string;
  status: KeyStatus;
  scopes: Scope[];
  created: string;
  notBefore: string;
  /** Refused from this instant on (key_expired): set by --expires, or by a rotation's overlap. */
  expires?: string;
  /** SHA-256 of the key, hex. */
  sha256: string;
}

export interface KeyringFile {
  version: 2;
  keys: KeyEntry[];
}

/** The history every keyring is derived from, relative to the repository root. */
export const AUDIT_LOG_FILE = 'audit/key-rotations.jsonl';

export const KEY_NAME = /^[a-z0-9][-a-z0-9_]{0,39}$/;
export const KEY_ID = /^[a-z0-9][-a-z0-9_]{0,39}\.[1-9][0-9]{0,5}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * A plaintext smartbot API key (`sb_<name>_<32 random characters>`), or anything shaped like
 * one: what must never be committed in a keyring or the audit log.
 */
export const API_KEY_SHAPE = /\bsb_[A-Za-z0-9_.-]{20,}/;

/** SHA-256 of a key (crypto.hash: one call, no Hash object; the service hashes the key of every request). */
export const hashKey = (key: string): Buffer => hash('sha256', key, 'buffer');

/** The short prefix of a key's hash that logs and listings show. */
export const fingerprint = (sha256: string) => sha256.slice(0, 12);

/** A new API key and its keyring entry (the plaintext is shown once, never stored). */
export function mintApiKey(
  name: string,
  scopes: Scope[],
  opts: { id?: string; now?: Date; notBefore?: Date; expires?: Date } = {},
): { key: string; entry: KeyEntry } {
  const now = (opts.now ?? new Date()).toISOString();
  const key = `sb_${name}_${randomBytes(24).toString('base64url')}`;
  const entry: KeyEntry = {
    id: opts.id ?? `${name}.1`,
    name,
    status: 'active',
    scopes,
    created: now,
    notBefore: opts.notBefore?.toISOString() ?? now,
    ...(opts.expires ? { expires: opts.expires.toISOString() } : {}),
    sha256: hashKey(key).toString('hex'),
  };
  return { key, entry };
}

/** What a key is at `now`: the lifecycle status, and the instants in its entry. */
export type KeyState = 'valid' | 'not-yet-valid' | 'expired' | 'revoked';

export function keyState(entry: Pick<KeyEntry, 'status' | 'notBefore' | 'expires'>, now = Date.now()): KeyState {
  return stateAt(entry.status, Date.parse(entry.notBefore), entry.expires === undefined ? undefined : Date.parse(entry.expires), now);
}

/** keyState with the entry's instants already parsed (the service asks it for every request). */
export function stateAt(status: KeyEntry['status'], notBefore: number, expires: number | undefined, now: number): KeyState {
  if (status === 'revoked') return 'revoked';
  if (expires !== undefined && expires <= now) return 'expired';
  if (notBefore > now) return 'not-yet-valid';
  return 'valid';
}

/** One entry per line, fields in a fixed order: the committed form, so a diff shows one key per line. */
export function formatKeyring(keys: readonly KeyEntry[]): string {
  // Spelled out rather than JSON.stringify of a rebuilt object: keyrings replayed from a long history are large.
  const s = JSON.stringify;
  const line = (k: KeyEntry) =>
    `{"id":${s(k.id)},"name":${s(k.name)},"status":${s(k.status)},"scopes":${s(k.scopes)},"created":${s(k.created)},"notBefore":${s(k.notBefore)}${k.expires === undefined ? '' : `,"expires":${s(k.expires)}`},"sha256":${s(k.sha256)}}`;
  if (keys.length === 0) return '{"version": 2, "keys": []}\n';
  return `{"version": 2, "keys": [\n${keys.map((k) => `  ${line(k)}`).join(',\n')}\n]}\n`;
}

/** A keyring that cannot be used: the message says what and where (1-based line in the file). */
export class KeyringError extends Error {
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

/** The line of `text` that mentions `"id": "<id>"` (any spacing), for locating an entry. */
export function lineOfKey(text: string, id: string): number {
  const at = new RegExp(`"id"\\s*:\\s*${JSON.stringify(id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).exec(text);
  return at ? text.slice(0, at.index).split('\n').length : 1;
}

/** Parses and checks a keyring document; throws a KeyringError naming the line and the field. */
export function parseKeyring(text: string): KeyringFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec((e as Error).message);
    throw new KeyringError(pos ? text.slice(0, Number(pos[1])).split('\n').length : 1, `not valid JSON (${(e as Error).message})`);
  }
  const top = doc as Partial<KeyringFile> | null;
  if (typeof top !== 'object' || top === null || Array.isArray(top)) throw new KeyringError(1, 'a keyring is a JSON object {"version": 2, "keys": [...]}');
  if ((top.version as number) === 1) throw new KeyringError(1, 'version 1 keyrings have no key lifecycle: recreate its keys with `smartbot keys create`');
  if (top.version !== 2) throw new KeyringError(1, `"version" must be 2, got ${JSON.stringify(top.version)}`);
  if (!Array.isArray(top.keys)) throw new KeyringError(1, '"keys" must be a list');
  const seen = new Set<string>();
  top.keys.forEach((k: Partial<KeyEntry>, i) => {
    const id = typeof k?.id === 'string' ? k.id : undefined;
    const line = id ? lineOfKey(text, id) : 1;
    const bad = (detail: string) => {
      throw new KeyringError(line, `key ${id ?? `#${i + 1}`}: ${detail}`);
    };
    if (typeof k !== 'object' || k === null) bad('must be an object');
    if (!id || !KEY_ID.test(id)) bad('"id" must be <name>.<number>, e.g. "ci.1"');
    if (seen.has(id!)) bad('the id is used twice');
    seen.add(id!);
    if (typeof k.name !== 'string' || !id!.startsWith(`${k.name}.`)) bad(`"name" must be the id without its generation ("${id!.replace(/\.\d+$/, '')}")`);
    if (!KEY_STATUSES.includes(k.status as KeyStatus)) bad(`"status" must be one of ${KEY_STATUSES.join(', ')}, got ${JSON.stringify(k.status)}`);
    if (!Array.isArray(k.scopes) || k.scopes.length === 0 || !k.scopes.every((s) => SCOPES.includes(s))) bad(`"scopes" must be a non-empty list of ${SCOPES.join(', ')}`);
    for (const field of ['created', 'notBefore', 'expires'] as const)
      if ((field !== 'expires' || k[field] !== undefined) && !(typeof k[field] === 'string' && ISO_INSTANT.test(k[field]!))) bad(`"${field}" must be a UTC instant like 2026-11-26T10:00:00.000Z`);
    if (typeof k.sha256 !== 'string' || !HEX64.test(k.sha256)) bad('"sha256" must be 64 lowercase hex digits (the SHA-256 of the key, never the key)');
    const extra = Object.keys(k).filter((f) => !['id', 'name', 'status', 'scopes', 'created', 'notBefore', 'expires', 'sha256'].includes(f));
    if (extra.length) bad(`unknown field "${extra[0]}"`);
  });
  return top as KeyringFile;
}
