// Network exposure: valid allowlist CIDRs, and remote models reached over https unless loopback.
import { isRemote, modelSet } from '../../contract/models.js';
import { parseCidr } from '../text/cidr.js';
import type { Policy } from './policy.js';

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

export const allowlist: Policy = {
  rules: ['cidr-invalid'],
  reads: ['/security/ipAllowlist'],
  check({ config, report }) {
    config.security.ipAllowlist.forEach((value, i) => {
      const r = parseCidr(value);
      if (!r.ok) report('cidr-invalid', { value, reason: r.reason }, `/security/ipAllowlist/${i}`);
    });
  },
};

export const remoteEndpoint: Policy = {
  rules: ['remote-https'],
  reads: ['/model', '/models'],
  check({ config, report }) {
    const set = modelSet(config);
    set.models.forEach((m, i) => {
      if (!isRemote(m)) return;
      const url = new URL(m.endpoint);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.test(url.hostname))) report('remote-https', { endpoint: m.endpoint }, `${set.pointers[i]}/endpoint`);
    });
  },
};
