// Settings that only make sense together: TLS with a certificate source, an enabled cache with
// a connection, a keyring that exists, the legacy cipher warning, and the server's timeouts.
import { resolve } from 'node:path';
import type { Policy } from './policy.js';

export const tlsCertificate: Policy = {
  rules: ['tls-certificate', 'tls-ingress'],
  reads: ['/security/tls', '/ingress'],
  check({ config, report }) {
    const tls = config.security.tls;
    if (tls.enabled && !tls.secretName && !tls.issuer) report('tls-certificate', {}, '/security/tls/enabled');
    if (tls.enabled && !config.ingress) report('tls-ingress', {}, '/security/tls/enabled');
  },
};

export const redisSource: Policy = {
  rules: ['redis-source'],
  reads: ['/cache'],
  check({ config, report }) {
    const r = config.cache.redis;
    if (r.enabled && (r.url === undefined) === (r.secretRef === undefined)) report('redis-source', {}, '/cache/redis/enabled');
  },
};

export const keyring: Policy = {
  rules: ['keyring-missing'],
  reads: ['/security/keyring'],
  check({ config, report, root, exists }) {
    const file = config.security.keyring.file;
    if (!exists(resolve(root, file))) report('keyring-missing', { file }, '/security/keyring/file');
  },
};

export const encryption: Policy = {
  rules: ['encryption-legacy'],
  reads: ['/security/encryption'],
  check({ config, report }) {
    if (config.security.encryption.algorithm === 'AES-256-CBC') report('encryption-legacy', {}, '/security/encryption/algorithm');
  },
};

export const serverTimeouts: Policy = {
  rules: ['server-timeouts'],
  reads: ['/server'],
  check({ config, report }) {
    const { headersTimeoutSeconds: headers, requestTimeoutSeconds: request } = config.server;
    if (headers > request) report('server-timeouts', { headers, request }, '/server/headersTimeoutSeconds');
  },
};
