// The one masking rule, on the text the toolchain prints but did not write: a server's answer,
// a port holder's command line, a URL.
import { describe, expect, it } from 'vitest';
import { maskSecrets } from './secrets.js';

describe('maskSecrets', () => {
  it.each([
    ['node server.js --api-key sb_live_0123456789abcdefghijklmnop --port 9000', 'node server.js --api-key sb_‹masked› --port 9000'],
    ['redis-server --requirepass hunter2hunter2 --port 6390', 'redis-server --requirepass ‹masked› --port 6390'],
    ['app --password=s3cr3t --token-file /run/token', 'app --password=‹masked› --token-file /run/token'],
    ['API_TOKEN=abc123 OTHER=fine ./run', 'API_TOKEN=‹masked› OTHER=fine ./run'],
    ['{"error":"bad","token":"abcdefgh12345678"}', '{"error":"bad","token":"‹masked›"}'],
    ['redis://:Sup3rS3cretPassw0rd@redis:6379/0', 'redis://:‹masked›@redis:6379/0'],
    ['key sk-proj-AbCdEfGhIjKlMnOpQrStUv and ghp_0123456789abcdefghijklmnopqrstuvwxyz', 'key sk-‹masked› and ghp_‹masked›'],
    ['Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlc2lnbmF0dXJl', 'Bearer eyJ‹masked›'],
    ['-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----', '‹masked›'],
    ['401 invalid_api_key: the token was refused', '401 invalid_api_key: the token was refused'],
  ])('%j', (text, masked) => {
    expect(maskSecrets(text)).toBe(masked);
  });

  it('masks a token the process holds wherever it appears, whatever its shape', () => {
    const token = 'smartbot-test-token-0123';
    expect(maskSecrets(`got ${token} back`, [token])).toBe('got ‹masked› back');
  });
});
