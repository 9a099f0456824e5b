import { describe, expect, it } from 'vitest';
import { parseYamlText } from '../load/yaml-source.js';
import { maskSecrets, maskValue, scanSecrets } from './secrets.js';

describe('the one masking rule', () => {
  it('validate shows where an inline secret starts, never the secret', () => {
    const loaded = parseYamlText('/tmp/x.yaml', 'cache:\n  redis:\n    url: redis://:Sup3rS3cretPassw0rd@redis:6379\n');
    if (!loaded.ok) throw new Error('parse');
    const [d] = scanSecrets(loaded.source);
    expect(d).toMatchObject({ rule: 'secret-inline', line: 3, col: 10, source: '    url: <secret masked: a password inside a URL>' });
  });

  it('masks secret-shaped words in any text, leaving digests and public keys alone', () => {
    const text = `token=ghp_${'a1B2'.repeat(9)} url redis://:hunter2hunter2@h:1 sha256 ${'ab'.repeat(32)} and sk-proj-${'x9'.repeat(12)}`;
    expect(maskSecrets(text)).toBe(`token=<secret masked: a GitHub token> url <secret masked: a password inside a URL> sha256 ${'ab'.repeat(32)} and <secret masked: an API secret key "sk-…">`);
    expect(maskSecrets('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----')).toBe('<secret masked: a private key>');
  });

  it('masks a configuration value by its shape or its key, as the scanner judges them', () => {
    expect(maskValue({ url: 'redis://:pw@h:1', password: 'plain-words', secretRef: { name: 'token-ref', key: 'password' }, image: 'ghcr.io/x:1' }, '/cache')).toEqual({
      url: '<secret masked: a password inside a URL>',
      password: '<secret masked: the key `password` names a secret>',
      secretRef: { name: 'token-ref', key: 'password' },
      image: 'ghcr.io/x:1',
    });
  });
});
