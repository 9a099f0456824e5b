// Reads committed files straight from git with plumbing only (rev-parse, ls-tree, cat-file
// --batch, diff-tree): no checkout, and neither the work tree nor the index is touched.
import { spawnSync } from 'node:child_process';
import { UserError } from '../contract/run-main.js';

/** git is missing, the directory is not a repository, or a ref does not resolve: exit 2. */
export class GitError extends UserError {
  constructor(message: string) {
    super(message, 2);
  }
}

export interface Commit {
  /** As the user wrote it (HEAD~1, origin/main, a sha). */
  ref: string;
  sha: string;
  /** Committer date, ISO 8601, as the committer wrote it (shown, never trusted to order anything). */
  date: string;
}

/** An entry of a commit's tree, as `git ls-tree -l` lists it: known before anything is read. */
export interface TreeEntry {
  /** 100644 / 100755 a file, 120000 a symbolic link, 160000 a submodule. */
  mode: string;
  /** blob, or commit for a submodule. */
  type: string;
  id: string;
  /** Bytes; -1 when git gives none (a submodule). */
  size: number;
}

/** A commit's entries by path relative to the smartbot root. */
export type TreeEntries = Map<string, TreeEntry>;

/** A file in a commit's tree: path relative to the smartbot root, and its blob id. */
export type Tree = Map<string, string>;

export interface FileChange {
  status: 'added' | 'removed' | 'modified' | 'renamed';
  path: string;
  /** renamed: where it was. */
  from?: string;
}

const firstLine = (s: string) => s.trim().split('\n')[0] ?? '';

export class GitRepo {
  /** The smartbot root's path inside the repository ("" or "sub/dir/"). */
  private readonly prefix: string;

  constructor(private readonly cwd: string) {
    const r = this.run(['rev-parse', '--show-prefix'], { allowFail: true });
    if (/dubious ownership/.test(r.stderr))
      throw new GitError(`git refuses ${cwd}: it belongs to another user; run as its owner, or trust it with \`git config --global --add safe.directory <path>\``);
    if (r.status !== 0) throw new GitError(`${cwd} is not inside a git repository (smartbot plan reads the environments from git history): ${firstLine(r.stderr)}`);
    this.prefix = r.stdout.toString('utf8').trim();
  }

  private run(args: string[], opts: { input?: string; allowFail?: boolean } = {}): { status: number; stdout: Buffer; stderr: string } {
    // GIT_OPTIONAL_LOCKS=0: reading must not even refresh the index.
    const r = spawnSync('git', args, { cwd: this.cwd, input: opts.input, maxBuffer: 1 << 30, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code;
      throw new GitError(code === 'ENOENT' ? 'git is not installed or not on PATH' : `cannot run git: ${r.error.message}`);
    }
    const out = { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
    if (out.status !== 0 && !opts.allowFail) throw new GitError(`git ${args[0]} failed: ${firstLine(out.stderr)}`);
    return out;
  }

  /** A ref → its commit; an unknown ref is a usage error naming it. */
  resolve(ref: string): Commit {
    // A ref starting with "-" would be read as an option.
    if (ref === '' || ref.startsWith('-')) throw new GitError(`invalid git ref "${ref}"`);
    const r = this.run(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { allowFail: true });
    if (r.status !== 0) throw new GitError(`unknown git ref "${ref}": no such commit in this repository (fetch it first, e.g. \`git fetch origin main\`, or check the name)`);
    const sha = r.stdout.toString('utf8').trim();
    const date = this.run(['show', '-s', '--format=%cI', sha]).stdout.toString('utf8').trim();
    return { ref, sha, date };
  }

  /**
   * Every entry under `dirs` (relative to the smartbot root) in a commit, with its mode, type
   * and size: what a reader checks before it asks for any content.
   */
  entries(sha: string, dirs: readonly string[]): TreeEntries {
    const out = this.run(['ls-tree', '-r', '-l', '-z', '--full-tree', sha, '--', ...dirs.map((d) => this.prefix + d)]).stdout.toString('utf8');
    const files: TreeEntries = new Map();
    for (const entry of out.split('\0')) {
      // "<mode> <type> <object> <size, right-aligned or ->\t<path>"
      const m = /^(\d{6}) (\w+) ([0-9a-f]+) +(\d+|-)\t(.*)$/s.exec(entry);
      if (m) files.set(m[5]!.slice(this.prefix.length), { mode: m[1]!, type: m[2]!, id: m[3]!, size: m[4] === '-' ? -1 : Number(m[4]) });
    }
    return files;
  }

  /** Every regular file under `dirs` in a commit, with its blob id. */
  tree(sha: string, dirs: readonly string[]): Tree {
    const files: Tree = new Map();
    for (const [path, e] of this.entries(sha, dirs)) if (e.type === 'blob' && e.mode !== '120000') files.set(path, e.id);
    return files;
  }

  /**
   * Blob contents by id, in one `git cat-file --batch` process. Callers ask only for blobs
   * whose size the tree listing showed to be under their cap.
   */
  blobs(ids: Iterable<string>): Map<string, Buffer> {
    const wanted = [...new Set(ids)];
    const found = new Map<string, Buffer>();
    if (wanted.length === 0) return found;
    const out = this.run(['cat-file', '--batch'], { input: wanted.join('\n') + '\n' }).stdout;
    let at = 0;
    for (const id of wanted) {
      const eol = out.indexOf(0x0a, at);
      const header = out.subarray(at, eol).toString('utf8');
      const m = /^([0-9a-f]+) blob (\d+)$/.exec(header);
      if (!m || m[1] !== id) throw new GitError(`git cat-file: unexpected answer "${header}" for ${id}`);
      const size = Number(m[2]);
      found.set(id, out.subarray(eol + 1, eol + 1 + size));
      at = eol + 1 + size + 1;
    }
    return found;
  }

  /** What changed between two commits under `dirs`, with renames paired by git's similarity (-M). */
  changes(base: string, head: string, dirs: readonly string[]): FileChange[] {
    const out = this.run(['diff-tree', '-r', '-z', '-M', '--no-commit-id', '--name-status', base, head, '--', ...dirs.map((d) => this.prefix + d)]).stdout.toString('utf8');
    const parts = out.split('\0').filter((p) => p !== '');
    const changes: FileChange[] = [];
    const strip = (p: string) => p.slice(this.prefix.length);
    for (let i = 0; i < parts.length; ) {
      const status = parts[i++]!;
      if (status.startsWith('R')) {
        const from = strip(parts[i++]!);
        changes.push({ status: 'renamed', from, path: strip(parts[i++]!) });
      } else {
        const path = strip(parts[i++]!);
        changes.push({ status: status === 'A' ? 'added' : status === 'D' ? 'removed' : 'modified', path });
      }
    }
    return changes;
  }

  /** A path relative to the smartbot root → relative to the repository's top (what GitHub's trees hold). */
  repoPath(path: string): string {
    return this.prefix + path;
  }

  /**
   * Files under `dirs` whose work-tree state differs from HEAD, untracked ones included
   * (`git status`, renames as a removal and an addition); paths relative to the smartbot root.
   */
  uncommitted(dirs: string[]): { path: string; removed: boolean }[] {
    const out = this.run(['status', '--porcelain=v1', '-z', '--no-renames', '--untracked-files=all', '--', ...dirs.map((d) => this.prefix + d)]).stdout.toString('utf8');
    // "XY path": X is the index, Y the work tree; porcelain paths are relative to the repository's top.
    return out
      .split('\0')
      .filter((e) => e.length > 3)
      .map((e) => ({ path: e.slice(3).slice(this.prefix.length), removed: e[1] === 'D' || (e[0] === 'D' && e[1] === ' ') }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
