// Ports: each in 1–65535 and no two equal.
import type { Policy } from './policy.js';

export const ports: Policy = {
  rules: ['port-range', 'port-conflict'],
  reads: ['/ports'],
  check({ config, report }) {
    const seen = new Map<number, string>();
    for (const [name, port] of Object.entries(config.ports)) {
      if (port === undefined) continue;
      const pointer = `/ports/${name}`;
      if (port < 1 || port > 65535) report('port-range', { field: `ports.${name}`, port }, pointer);
      const other = seen.get(port);
      if (other) report('port-conflict', { field: `ports.${name}`, other: `ports.${other}`, port }, pointer);
      else seen.set(port, name);
    }
  },
};
