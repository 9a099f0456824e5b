// Who holds a port, read from a /proc laid out as Linux lays it out.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAddress, holdersOf, listenersOn } from './port-holders.js';
import { tempDir } from '../../test/helpers/temp.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

describe('doctor: port holders from /proc', () => {
  it('decodes /proc/net addresses', () => {
    expect(decodeAddress('0100007F')).toBe('127.0.0.1');
    expect(decodeAddress('00000000')).toBe('0.0.0.0');
    expect(decodeAddress('00000000000000000000000000000000')).toBe('::');
    expect(decodeAddress('00000000000000000000000001000000')).toBe('::1');
  });

  it('finds the listening sockets on a port (not connections) and the processes holding them', () => {
    const proc = tempDir('smartbot-proc-');
    mkdirSync(join(proc, 'net'));
    writeFileSync(
      join(proc, 'net/tcp'),
      `${HEADER}   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0 100 0 0 10 0\n` +
        `   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 222 1 0 20 4 30 10 -1\n`,
    );
    writeFileSync(join(proc, 'net/tcp6'), `${HEADER}   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 333 1 0 100 0 0 10 0\n`);
    for (const [pid, inode, cmd] of [['41', '111', 'python3\0-m\0http.server\x008080\0'], ['42', '999', 'other\0'], ['43', '333', `node\0server.js\0--api-key\0sb_live_${'k'.repeat(200)}\0`]] as const) {
      mkdirSync(join(proc, pid, 'fd'), { recursive: true });
      writeFileSync(join(proc, pid, 'cmdline'), cmd);
      symlinkSync(`socket:[${inode}]`, join(proc, pid, 'fd', '3'));
      symlinkSync('/dev/null', join(proc, pid, 'fd', '0'));
    }
    const listeners = listenersOn(8080, proc)!;
    expect(listeners).toEqual([
      { address: '127.0.0.1', inode: '111' },
      { address: '::', inode: '333' },
    ]);
    expect(holdersOf(new Set(listeners.map((l) => l.inode)), proc)).toEqual({
      holders: [
        { pid: 41, command: 'python3 -m http.server 8080' },
        // Masked before it is cut to 160 characters: a cut key would escape the mask.
        { pid: 43, command: 'node server.js --api-key sb_‹masked›' },
      ],
      hidden: 0,
    });
    expect(listenersOn(8081, proc)).toEqual([]);
    expect(listenersOn(8080, join(proc, 'absent'))).toBeUndefined();
  });
});
