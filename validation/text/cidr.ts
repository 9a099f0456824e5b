// CIDR parsing for allowlists (IPv4 and IPv6), strict: host bits must be zero.
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  address: string;
  prefix: number;
}

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; reason: string };

function ipv6ToBigInt(addr: string): bigint {
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const expand = (parts: string[]) =>
    parts.flatMap((p) => {
      if (!p.includes('.')) return [p];
      const [a, b, c, d] = p.split('.').map(Number) as [number, number, number, number];
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  const l = expand(left);
  const r = expand(right);
  const groups = tail === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

const ipv4ToBigInt = (addr: string) => addr.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);

export function parseCidr(text: string): CidrResult {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
  if (!m) return { ok: false, reason: 'expected address/prefix' };
  const [, address, prefixText] = m as unknown as [string, string, string];
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : 0;
  if (family === 0) return { ok: false, reason: `"${address}" is not an IP address` };
  const bits = family === 4 ? 32 : 128;
  const prefix = Number(prefixText);
  if (prefix > bits) return { ok: false, reason: `prefix /${prefix} is longer than ${bits} bits` };
  const value = family === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if ((value & hostMask) !== 0n) return { ok: false, reason: `host bits are set after /${prefix}` };
  return { ok: true, cidr: { family, address, prefix } };
}
