// smartbot keys: keys are shown once, stored as hashes, and accepted by the service's keyring.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../test/helpers/cli.js';
import { Keyring } from '../service/src/auth/keyring.js';
import { createLogger } from '../service/src/telemetry/logger.js';

const cli = runCli;

describe('smartbot keys', () => {
  it('adds a key (printed once, stored as a hash), lists and revokes it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'smartbot-keys-')), 'dev.json');
    writeFileSync(file, '{"version": 1, "keys": []}\n');
    const add = await cli('keys', 'add', '--file', file, '--id', 'ci', '--scope', 'admin');
    expect(add.code).toBe(0);
    const key = add.out.trim();
    expect(key).toMatch(/^sb_ci_[\w-]{32}$/);
    expect(add.err).toBe(`added "ci" (admin) to ${file}; the key above is shown once. Next: npx smartbot render\n`);
    const stored = readFileSync(file, 'utf8');
    expect(stored).not.toContain(key);
    const ring = new Keyring(file, createLogger({ format: 'line', level: 'error', write: () => {} }));
    expect(ring.lookup(key)).toEqual({ id: 'ci', scopes: ['admin'] });
    ring.close();
    expect((await cli('keys', 'list', '--file', file)).out).toMatch(/^ci {2}admin {2}created 20\d\d-/);
    expect((await cli('keys', 'add', '--file', file, '--id', 'ci')).err).toContain(`already has a key "ci"`);
    expect((await cli('keys', 'revoke', '--file', file, '--id', 'ci')).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).keys).toEqual([]);
    const missing = await cli('keys', 'revoke', '--file', file, '--id', 'ci');
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`smartbot keys: ${file} has no key "ci"\nRun \`smartbot keys --help\` for usage.\n`);
  });
});
