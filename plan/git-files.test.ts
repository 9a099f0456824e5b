import { describe, expect, it } from 'vitest';
import type { GitRepo, TreeEntry } from './git.js';
import { GitFiles } from './git-files.js';

/** A repository whose blobs are counted as they are asked for. */
function fake(entries: Record<string, TreeEntry>, texts: Record<string, string>) {
  const asked: string[] = [];
  const repo = { blobs: (ids: Iterable<string>) => new Map([...ids].map((id) => (asked.push(id), [id, Buffer.from(texts[id] ?? '')]))) } as unknown as GitRepo;
  return { files: new GitFiles(repo, new Map(Object.entries(entries)), 1024), asked };
}
const blob = (id: string, size: number, mode = '100644'): TreeEntry => ({ mode, type: 'blob', id, size });

describe('GitFiles', () => {
  it('refuses by what the tree listing says, before asking git for any content', () => {
    const { files, asked } = fake(
      {
        'environments/big.yaml': blob('b1', 5 * 2 ** 30),
        'environments/link.yaml': blob('b2', 20, '120000'),
        'environments/sub.yaml': { mode: '160000', type: 'commit', id: 'c1', size: -1 },
        'environments/ok.yaml': blob('b3', 11),
      },
      { b3: 'tier: base\n' },
    );
    files.preload(['environments/big.yaml', 'environments/link.yaml', 'environments/sub.yaml']);
    expect(files.read('environments/big.yaml')).toEqual({ ok: false, refusal: { rule: 'file-too-large', params: { path: 'environments/big.yaml', size: '5.00 GiB', limit: '1.0 KiB' } } });
    expect(files.read('environments/link.yaml')).toMatchObject({ ok: false, refusal: { rule: 'file-symlink' } });
    expect(files.read('environments/sub.yaml')).toMatchObject({ ok: false, refusal: { rule: 'file-not-regular', params: { kind: 'submodule' } } });
    expect(files.read('../etc/passwd')).toMatchObject({ ok: false, refusal: { rule: 'file-outside-root' } });
    expect(files.read('keyrings/none.json')).toMatchObject({ ok: false, refusal: { rule: 'io-missing' } });
    expect(asked).toEqual([]);
    expect(files.read('environments/ok.yaml')).toEqual({ ok: true, text: 'tier: base\n' });
    expect(files.read('./environments/ok.yaml')).toEqual({ ok: true, text: 'tier: base\n' });
    expect(asked).toEqual(['b3']);
  });
});
