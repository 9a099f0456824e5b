// API keys: the keyring holds SHA-256 hashes with each key's lifecycle. A presented key is
// hashed and compared with every entry in constant time. The file is re-read on change (polled)
// and on SIGHUP, so created keys work and revoked keys stop working within seconds, without a
// restart; a rotated key's overlap ends by the clock alone (its `expires`), with no reload.
import { timingSafeEqual } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { hashKey, keyState, parseKeyring, type KeyEntry, type KeyState } from '../../../contract/keyring-file.js';
import type { Logger } from '../telemetry/logger.js';

export class Keyring {
  private entries: { entry: KeyEntry; hash: Buffer }[] = [];
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

  /** The entries as loaded (the admin console lists them, without their hashes). */
  list(): readonly KeyEntry[] {
    return this.entries.map((e) => e.entry);
  }

  reload(why: string): void {
    try {
      const doc = parseKeyring(readFileSync(this.file, 'utf8'));
      this.entries = doc.keys.map((entry) => ({ entry, hash: Buffer.from(entry.sha256, 'hex') }));
      this.log.info('keyring loaded', { reason: why, keys: this.entries.length });
    } catch (e) {
      // Keep the last good keyring: a half-written file must not lock everyone out.
      this.log.error('keyring not reloaded, keeping the previous one', { reason: why, error: (e as Error).message });
    }
  }

  /** The matching entry and its state now, or undefined. Every entry is compared, so timing does not reveal which. */
  lookup(key: string, now = Date.now()): { entry: KeyEntry; state: KeyState } | undefined {
    const presented = hashKey(key);
    let found: KeyEntry | undefined;
    for (const e of this.entries) if (e.hash.length === presented.length && timingSafeEqual(e.hash, presented)) found = e.entry;
    return found && { entry: found, state: keyState(found, now) };
  }

  close(): void {
    unwatchFile(this.file);
    process.off('SIGHUP', this.onHup);
  }
}
