// API keys: the keyring holds SHA-256 hashes only. A presented key is hashed and compared with
// every entry in constant time. The file is re-read on change (polled) and on SIGHUP, so added
// keys work and revoked keys stop working within seconds, without a restart.
import { timingSafeEqual } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { hashKey, parseKeyring, type Scope } from '../../../contract/keyring-file.js';
import type { Logger } from '../telemetry/logger.js';

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
      const doc = parseKeyring(readFileSync(this.file, 'utf8'));
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
