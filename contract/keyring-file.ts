// The keyring file format (keyrings/<env>.json, mounted as the keyring ConfigMap): SHA-256
// hashes of API keys, never the keys. Written by `smartbot keys`, read by the service.
import { createHash, randomBytes } from 'node:crypto';

export type Scope = 'chat' | 'admin';

export interface KeyEntry {
  id: string;
  sha256: string;
  scopes: Scope[];
  created?: string;
  expires?: string;
}

export interface KeyringFile {
  version: 1;
  keys: KeyEntry[];
}

export const hashKey = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/** A new API key and its keyring entry (the plaintext is shown once, never stored). */
export function mintApiKey(id: string, scopes: Scope[], now = new Date()): { key: string; entry: KeyEntry } {
  const key = `sb_${id}_${randomBytes(24).toString('base64url')}`;
  return { key, entry: { id, sha256: hashKey(key).toString('hex'), scopes, created: now.toISOString() } };
}

/** Parses a keyring document; throws an Error saying what is wrong. */
export function parseKeyring(text: string): KeyringFile {
  const doc = JSON.parse(text) as KeyringFile;
  if (!Array.isArray(doc?.keys)) throw new Error('"keys" is not a list');
  return doc;
}
