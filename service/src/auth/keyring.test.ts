import { afterEach, describe, expect, it } from 'vitest';
import { mintApiKey } from '../../../contract/keyring-file.js';
import { logSink, tempKeyring } from '../../../test/helpers/service.js';
import { Keyring } from './keyring.js';

const NOW = Date.UTC(2026, 11, 6, 12);
const at = (hours: number) => new Date(NOW + hours * 3_600_000);

describe('Keyring.lookup', () => {
  let keyring: Keyring | undefined;
  afterEach(() => keyring?.close());

  it("finds a presented key's entry by its SHA-256, with its state at that moment", () => {
    const live = mintApiKey('live', ['chat'], { now: at(-2) });
    const later = mintApiKey('later', ['chat'], { now: at(-2), notBefore: at(1) });
    const ended = mintApiKey('ended', ['admin'], { now: at(-3), expires: at(-1) });
    const revoked = mintApiKey('gone', ['chat'], { now: at(-2) });
    const ring = tempKeyring([live.entry, later.entry, ended.entry, { ...revoked.entry, status: 'revoked' }]);
    keyring = new Keyring(ring.file, logSink().log, 60_000);

    expect(keyring.lookup(live.key, NOW)).toEqual({ entry: live.entry, state: 'valid' });
    expect(keyring.lookup(later.key, NOW)?.state).toBe('not-yet-valid');
    expect(keyring.lookup(later.key, at(1).getTime())?.state).toBe('valid');
    expect(keyring.lookup(ended.key, NOW)).toEqual({ entry: ended.entry, state: 'expired' });
    expect(keyring.lookup(ended.key, at(-2).getTime())?.state).toBe('valid');
    expect(keyring.lookup(revoked.key, NOW)?.state).toBe('revoked');
  });

  it('finds nothing for a key that is not in the keyring, however close', () => {
    const live = mintApiKey('live', ['chat'], { now: at(-2) });
    keyring = new Keyring(tempKeyring([live.entry]).file, logSink().log, 60_000);
    expect(keyring.lookup(`${live.key.slice(0, -1)}${live.key.endsWith('x') ? 'y' : 'x'}`, NOW)).toBeUndefined();
    expect(keyring.lookup('', NOW)).toBeUndefined();
    expect(keyring.lookup(live.entry.sha256, NOW)).toBeUndefined();
  });
});
