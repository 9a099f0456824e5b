// The enterprise tier's guarantees: HA, TLS ≥ 1.2, a real allowlist, backups.
import type { Policy } from './policy.js';

const OPEN_WORLD = new Set(['0.0.0.0/0', '::/0']);

export const enterprise: Policy = {
  rules: ['enterprise-replicas', 'enterprise-tls', 'enterprise-allowlist', 'enterprise-open-allowlist', 'enterprise-backups'],
  reads: ['/tier', '/replicas', '/security/tls', '/security/ipAllowlist', '/backups'],
  check({ config, report }) {
    if (config.tier !== 'enterprise') return;
    if (config.replicas < 2) report('enterprise-replicas', { replicas: config.replicas }, '/replicas');
    const tls = config.security.tls;
    if (!tls.enabled) report('enterprise-tls', { problem: '`security.tls.enabled` is false' }, '/security/tls/enabled');
    const allow = config.security.ipAllowlist;
    if (allow.length === 0) report('enterprise-allowlist', {}, '/security/ipAllowlist');
    allow.forEach((cidr, i) => {
      if (OPEN_WORLD.has(cidr.trim())) report('enterprise-open-allowlist', { cidr }, `/security/ipAllowlist/${i}`);
    });
    if (!config.backups.enabled) report('enterprise-backups', {}, '/backups/enabled');
  },
};
