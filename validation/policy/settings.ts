// Settings that only make sense together: TLS with a certificate source, an enabled cache with
// a connection, a keyring that exists inside the repository, and the legacy cipher warning.
import { repoPath } from '../load/repo-file.js';
import type { RuleParams } from '../rules.js';
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
  rules: ['keyring-missing', 'io-unreadable', 'file-symlink', 'file-not-regular', 'file-outside-root', 'file-too-large'],
  reads: ['/security/keyring'],
  check({ config, report, root, files }) {
    const file = config.security.keyring.file;
    const read = files.read(repoPath(root, file));
    if (read.ok) return;
    if (read.refusal.rule === 'io-missing') report('keyring-missing', { file }, '/security/keyring/file');
    // Each refusal's params belong to its rule; TS cannot correlate the union here.
    else report(read.refusal.rule as 'io-unreadable', read.refusal.params as RuleParams<'io-unreadable'>, '/security/keyring/file');
  },
};

export const encryption: Policy = {
  rules: ['encryption-legacy'],
  reads: ['/security/encryption'],
  check({ config, report }) {
    if (config.security.encryption.algorithm === 'AES-256-CBC') report('encryption-legacy', {}, '/security/encryption/algorithm');
  },
};
