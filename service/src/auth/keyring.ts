// API keys: the keyring holds SHA-256 hashes only. A presented key is hashed and compared with
// every entry in constant time. The file is re-read on change (polled) and on SIGHUP, so added
// keys work and revoked keys stop working within seconds, without a restart.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '../telemetry/logger.js';

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

export class Keyring {
  private entries: { id: string; hash: Buffer; scopes: Scope[]; expires?: number }[] = [];
  private readonly onHup = () => this.reload('SIGHUP');

  constructor(
    private readonly file: string,
    private readonly log: Logger,
    pollMs = 1000,
  ) {
    this.reload('start');
    watchFile(file, { interval: pollMs, persistent: false }, () => this.reload('file change'));
    process.on('SIGHUP', this.onHup);
  }

  get size(): number {
    return this.entries.length;
  }

  reload(why: string): void {
    try {
      const doc = JSON.parse(readFileSync(this.file, 'utf8')) as KeyringFile;
      if (!Array.isArray(doc.keys)) throw new Error('"keys" is not a list');
      this.entries = doc.keys.map((k) => ({
        id: k.id,
        hash: Buffer.from(k.sha256, 'hex'),
        scopes: k.scopes,
        ...(k.expires ? { expires: Date.parse(k.expires) } : {}),
      }));
      this.log.info('keyring loaded', { reason: why, keys: this.entries.length });
    } catch (e) {
      // Keep the last good keyring: a half-written file must not lock everyone out.
      this.log.error('keyring not reloaded, keeping the previous one', { reason: why, error: (e as Error).message });
    }
  }

  /** The matching entry, or undefined. Every entry is compared, so timing does not reveal which. */
  lookup(key: string, now = Date.now()): { id: string; scopes: Scope[] } | undefined {
    const presented = hashKey(key);
    let found: { id: string; scopes: Scope[] } | undefined;
    for (const e of this.entries) {
      const same = e.hash.length === presented.length && timingSafeEqual(e.hash, presented);
      if (same && (e.expires === undefined || e.expires > now)) found = { id: e.id, scopes: e.scopes };
    }
    return found;
  }

  close(): void {
    unwatchFile(this.file);
    process.off('SIGHUP', this.onHup);
  }
}
