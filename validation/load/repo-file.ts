// The one place that reads environment, tier and keyring files: only what belongs to the
// repository. `smartbot validate` runs on pull requests from forks, so a file may be a link to
// a CI secret, /dev/zero or a FIFO. A file is read only when it is a regular file (not a link),
// its real path lies inside the root, and it is no larger than the cap, checked before reading.
// A refusal names the path and why, never what the file or a link's target holds.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { formatBytes } from '../../gguf/bytes.js';
import { RULES, type RuleParams } from '../rules.js';

/** Environment, tier and keyring files are a few KiB; the default cap (--max-file-size). */
export const DEFAULT_MAX_FILE_BYTES = 2 ** 20;

type RefusalRule = 'io-missing' | 'io-unreadable' | 'file-symlink' | 'file-not-regular' | 'file-outside-root' | 'file-too-large';
/** Why a file was not read: a catalogue rule and its parameters, to report where the caller locates it. */
export type Refusal = { [R in RefusalRule]: { rule: R; params: RuleParams<R> } }[RefusalRule];
export type RepoRead = { ok: true; text: string } | { ok: false; refusal: Refusal };

/** A refusal's message, for callers that fail with one line instead of a diagnostic. */
export function refusalMessage(r: Refusal): string {
  // Each refusal's params belong to its rule; TS cannot correlate the union here.
  return (RULES[r.rule].message as (p: unknown) => string)(r.params);
}

/** The file could not be read at all (exit 2), as opposed to being refused (invalid, exit 1). */
export const isIoRefusal = (r: Refusal) => r.rule === 'io-missing' || r.rule === 'io-unreadable';

const refuse = <R extends RefusalRule>(rule: R, params: RuleParams<R>): RepoRead => ({ ok: false, refusal: { rule, params } as Refusal });

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isSocket()) return 'socket';
  return 'special file';
}

/** Is `path` `dir` or beneath it (both absolute)? */
export const isInside = (path: string, dir: string) => {
  const rel = relative(dir, path);
  return !isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`);
};

/**
 * Where validation reads repository files from: the disk (RepoFiles) or a commit's blobs
 * (`smartbot plan`). Either refuses what does not belong to the repository, or is not a
 * regular file, or is over the size cap, before reading it, with the same refusals.
 */
export interface FileSource {
  /** The repository root that paths are named against ("." for a commit: paths are repository-relative). */
  readonly root: string;
  readonly maxBytes: number;
  /** `path` as the user or the file named it; `within` narrows the confinement (see RepoFiles.read). */
  read(path: string, within?: string): RepoRead;
}

/** Reads files for one run, each at most once (a thousand environments share a few keyrings). */
export class RepoFiles implements FileSource {
  private readonly cache = new Map<string, RepoRead>();
  private readonly realRoots = new Map<string, string>();

  constructor(
    /** The repository root: every file must lie inside it. */
    readonly root: string,
    readonly maxBytes = DEFAULT_MAX_FILE_BYTES,
  ) {}

  /**
   * `path` as the user or the file named it. `within` narrows or moves the confinement: an
   * environment file named on the command line outside the repository is confined to what was
   * named (its directory); tier and keyring files always to the root.
   */
  read(path: string, within = this.root): RepoRead {
    const id = `${within}\0${path}`;
    let found = this.cache.get(id);
    if (!found) this.cache.set(id, (found = this.readOnce(path, within)));
    return found;
  }

  /** A directory's real path, resolved once per run. */
  private realRoot(dir: string): string {
    let real = this.realRoots.get(dir);
    if (real === undefined) this.realRoots.set(dir, (real = realpathSync.native(dir)));
    return real;
  }

  private readOnce(path: string, within: string): RepoRead {
    // `..` out of the root is refused before the file system is asked anything about it.
    if (!isInside(resolve(path), resolve(within))) return refuse('file-outside-root', { path });
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return refuse('io-missing', { path });
      return refuse('io-unreadable', { path, reason: code ?? (e as Error).message });
    }
    if (st.isSymbolicLink()) return refuse('file-symlink', { path });
    if (!st.isFile()) return refuse('file-not-regular', { path, kind: kindOf(st) });
    // A directory on the way may be a link that leads out of the repository. The file itself is
    // no link (lstat): its real path is its directory's, resolved once per directory (a fleet's
    // environments share one; a realpath per file was five syscalls each).
    if (!isInside(join(this.realRoot(dirname(path)), basename(path)), this.realRoot(within))) return refuse('file-outside-root', { path });
    if (st.size > this.maxBytes) return refuse('file-too-large', { path, size: formatBytes(st.size), limit: formatBytes(this.maxBytes) });
    return this.readChecked(path, st);
  }

  /**
   * Opens without following a link and without waiting on a pipe, in case the file was swapped
   * since lstat, then reads at most the cap: a file that grew past it is refused all the same.
   */
  private readChecked(path: string, st: Stats): RepoRead {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') return refuse('file-symlink', { path });
      return refuse('io-unreadable', { path, reason: code ?? (e as Error).message });
    }
    try {
      const now = fstatSync(fd);
      if (!now.isFile()) return refuse('file-not-regular', { path, kind: kindOf(now) });
      if (now.ino !== st.ino || now.dev !== st.dev) return refuse('io-unreadable', { path, reason: 'the file changed while it was read' });
      const buf = Buffer.allocUnsafe(Math.min(now.size, this.maxBytes) + 1);
      let n = 0;
      for (let got; n < buf.length && (got = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += got;
      if (n > this.maxBytes) return refuse('file-too-large', { path, size: `over ${formatBytes(this.maxBytes)}`, limit: formatBytes(this.maxBytes) });
      return { ok: true, text: buf.toString('utf8', 0, n) };
    } catch (e) {
      return refuse('io-unreadable', { path, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
    } finally {
      closeSync(fd);
    }
  }
}

/** A path a file in the repository names (a keyring), relative to the root unless absolute. */
export const repoPath = (root: string, file: string) => (isAbsolute(file) ? file : join(root, file));
