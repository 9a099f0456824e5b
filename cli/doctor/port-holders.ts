// Who listens on a TCP port, from /proc: the listening sockets in /proc/net/tcp and tcp6 (their
// inodes), then the processes whose /proc/<pid>/fd links name one of those sockets. No `ss` or
// `lsof` needed, and it works for any user's process that this user may inspect.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { maskSecrets } from '../../contract/secrets.js';

export interface Listener {
  /** "0.0.0.0", "127.0.0.1", "::", "::1", … */
  address: string;
  inode: string;
}

export interface Holder {
  pid: number;
  /** The command line, secrets masked (`--api-key sb_…`), then cut to 160 characters. */
  command: string;
}

const LISTEN = '0A';

/** "0100007F" (little-endian IPv4) → "127.0.0.1"; 32 hex digits (IPv6, 4 little-endian words) → "::1". */
export function decodeAddress(hex: string): string {
  const le = (word: string) => word.match(/../g)!.reverse().join('');
  if (hex.length === 8) return le(hex).match(/../g)!.map((b) => parseInt(b, 16)).join('.');
  const groups = (hex.match(/.{8}/g) ?? []).map(le).join('').match(/.{4}/g)!.map((g) => parseInt(g, 16).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}

/** Listening TCP sockets on `port`; undefined when /proc/net/tcp cannot be read (not Linux). */
export function listenersOn(port: number, procDir = '/proc'): Listener[] | undefined {
  const out: Listener[] = [];
  let readAny = false;
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(join(procDir, 'net', table), 'utf8');
      readAny = true;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== LISTEN) continue;
      const [addr, portHex] = f[1]!.split(':');
      if (parseInt(portHex!, 16) === port) out.push({ address: decodeAddress(addr!), inode: f[9]! });
    }
  }
  return readAny ? out : undefined;
}

/** The processes holding any of `inodes`, and how many processes could not be inspected. */
export function holdersOf(inodes: Set<string>, procDir = '/proc'): { holders: Holder[]; hidden: number } {
  const holders: Holder[] = [];
  let hidden = 0;
  const pids = readdirSync(procDir).filter((e) => /^\d+$/.test(e)).sort((a, b) => Number(a) - Number(b));
  for (const entry of pids) {
    let fds: string[];
    try {
      fds = readdirSync(join(procDir, entry, 'fd'));
    } catch {
      hidden++;
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(join(procDir, entry, 'fd', fd)));
        return m !== null && inodes.has(m[1]!);
      } catch {
        return false;
      }
    });
    if (holds) holders.push({ pid: Number(entry), command: commandOf(procDir, entry) });
  }
  return { holders, hidden };
}

function commandOf(procDir: string, pid: string): string {
  try {
    const argv = readFileSync(join(procDir, pid, 'cmdline'), 'utf8').split('\0').filter(Boolean).join(' ');
    // Masked before it is cut: a cut key no longer has a key's shape.
    const cmd = maskSecrets(argv || readFileSync(join(procDir, pid, 'comm'), 'utf8').trim());
    return cmd.length > 160 ? `${cmd.slice(0, 159)}…` : cmd;
  } catch {
    return '?';
  }
}
