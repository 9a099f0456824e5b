// One side of a plan as a FileSource: the files of a commit, read straight from git blobs,
// never written anywhere. What the tree listing says (mode, type, size) is checked before a
// blob is read, with the refusals the disk reader gives, located where validation reports them:
// a link, a submodule, a blob over the size cap. Blobs are fetched in batches (`preload`) or one
// at a time on first use (a keyring an environment names), and kept for the run.
import { posix } from 'node:path';
import { formatBytes } from '../gguf/bytes.js';
import { DEFAULT_MAX_FILE_BYTES, type FileSource, type Refusal, type RepoRead } from '../validation/load/repo-file.js';
import type { GitRepo, TreeEntries, TreeEntry } from './git.js';

const refuse = (refusal: Refusal): RepoRead => ({ ok: false, refusal });

/** Why an entry cannot be read as a file, or undefined when it can. */
export function entryRefusal(path: string, e: TreeEntry, maxBytes: number): Refusal | undefined {
  if (e.mode === '120000') return { rule: 'file-symlink', params: { path } };
  if (e.type !== 'blob') return { rule: 'file-not-regular', params: { path, kind: e.type === 'commit' ? 'submodule' : e.type } };
  if (e.size > maxBytes) return { rule: 'file-too-large', params: { path, size: formatBytes(e.size), limit: formatBytes(maxBytes) } };
  return undefined;
}

export class GitFiles implements FileSource {
  readonly root = '.';
  /** One answer per path: policies digest a keyring once per answer object. */
  private readonly answers = new Map<string, RepoRead>();

  constructor(
    private readonly repo: GitRepo,
    readonly tree: TreeEntries,
    readonly maxBytes = DEFAULT_MAX_FILE_BYTES,
    /** Blob texts by id: shared by both sides of a plan, whose files are mostly the same blobs. */
    private readonly texts = new Map<string, string>(),
  ) {}

  /** Repository-relative, normalised; undefined when it leaves the repository. */
  private key(path: string): string | undefined {
    if (posix.isAbsolute(path)) return undefined;
    const p = posix.normalize(path);
    return p === '..' || p.startsWith('../') ? undefined : p;
  }

  /** Reads the blobs of these paths in one git process (those that may be read at all). */
  preload(paths: Iterable<string>): void {
    const wanted = new Map<string, string>();
    for (const path of paths) {
      const e = this.tree.get(path);
      if (e && !this.texts.has(e.id) && !entryRefusal(path, e, this.maxBytes)) wanted.set(e.id, path);
    }
    for (const [id, blob] of this.repo.blobs(wanted.keys())) this.texts.set(id, blob.toString('utf8'));
  }

  read(path: string): RepoRead {
    let found = this.answers.get(path);
    if (!found) this.answers.set(path, (found = this.readOnce(path)));
    return found;
  }

  private readOnce(path: string): RepoRead {
    const key = this.key(path);
    if (key === undefined) return refuse({ rule: 'file-outside-root', params: { path } });
    const e = this.tree.get(key);
    if (!e) return refuse({ rule: 'io-missing', params: { path } });
    const refusal = entryRefusal(path, e, this.maxBytes);
    if (refusal) return refuse(refusal);
    let text = this.texts.get(e.id);
    if (text === undefined) this.texts.set(e.id, (text = this.repo.blobs([e.id]).get(e.id)!.toString('utf8')));
    return { ok: true, text };
  }

  /** The blob id a path holds, for "did this file change" questions; undefined when absent. */
  idOf(path: string): string | undefined {
    const key = this.key(path);
    return key === undefined ? undefined : this.tree.get(key)?.id;
  }
}
