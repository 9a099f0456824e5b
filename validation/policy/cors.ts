// Browser access: in the enterprise tier, `*` never goes together with credentials (the
// service would then let any web page call the API as whoever visits it).
import type { Policy } from './policy.js';

export const cors: Policy = {
  rules: ['enterprise-cors-credentials'],
  reads: ['/tier', '/security/cors'],
  check({ config, report }) {
    if (config.tier !== 'enterprise') return;
    const { allowedOrigins, allowCredentials } = config.security.cors;
    const wildcard = allowedOrigins.indexOf('*');
    if (allowCredentials && wildcard >= 0) report('enterprise-cors-credentials', {}, `/security/cors/allowedOrigins/${wildcard}`);
  },
};
