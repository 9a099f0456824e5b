// The render cache: lets `render` (and `render --check`) pass over an environment whose rendered
// tree it need not make again. An environment's files are a pure function of its name, its
// validated config, its keyring and the toolchain's generators, so a run records, per
// environment, a hash of those inputs and a stamp of its tree as written or checked (every
// file's and directory's size, mtime and inode), and what its validation read (validation/
// inputs.ts). The next run validates an environment unless everything its validation read is
// as recorded (then validation would find nothing wrong again, and the inputs are the same);
// where the input hash and the tree's stamp both match the record, the tree is exactly what
// rendering would write, and neither rendering nor reading it back is needed. Any edit to the
// tree (a file changed, added or removed: its mtime, or its directory's, moves), a new
// toolchain, or a changed input makes that environment validate, render and compare in full.
// The cache lives in <root>/.smartbot-cache/ (ignored by its own .gitignore, as pytest's and
// ruff's caches are); it is best effort: a cache that cannot be read or written is ignored.
// `--no-cache` reads and writes none.
import { createHash, hash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot, schemaPath, templatesDir } from '../../contract/paths.js';
import type { SyncTarget } from '../../generators/gitops.js';
import { directoriesOf } from '../../generators/output.js';
import { isInput, type EnvironmentInputs, type Input } from '../../validation/inputs.js';

/** What a run knows of one environment's rendered tree. */
export interface CacheEntry {
  /** Hash of the environment's rendering inputs (see inputKey). */
  key: string;
  /** The tree's files and directories, relative to rendered/<env>/ ("" is the tree itself; directories end in /). */
  paths: string[];
  /** Hash of their sizes, mtimes and inodes when recorded. */
  stamp: string;
  /** Each file's content hash (contentHash), in the order the files appear in `paths`. */
  contents: string[];
  /** What the environment's validation read, and where it syncs (for the fleet's cluster groups). */
  validated?: { inputs: EnvironmentInputs; target: SyncTarget };
}

/** An entry's validation record, as stored: [inputs (indices into CacheFile.inputs), digest, until or null, target (index into CacheFile.targets)]. */
type StoredValidation = [number[], string, number | null, number];

interface CacheFile {
  version: 3;
  toolchain: string;
  /** Distinct path lists (a fleet's environments share a handful of layouts). */
  layouts: string[][];
  /** Distinct validation inputs (a fleet's environments share their tiers, keyrings and audit log). */
  inputs: Input[];
  /** Distinct sync targets, less the environment's name. */
  targets: Omit<SyncTarget, 'env'>[];
  /** env → [key, layout, stamp, content hashes joined by spaces, validated]. */
  environments: Record<string, [string, number, string, string, StoredValidation?]>;
}

/** Values stored once, each named by its index. */
class Table<T> {
  readonly values: T[] = [];
  private readonly index = new Map<string, number>();
  id(value: T, key = JSON.stringify(value)): number {
    let i = this.index.get(key);
    if (i === undefined) this.index.set(key, (i = this.values.push(value) - 1));
    return i;
  }
}

export const CACHE_DIR = '.smartbot-cache';

// crypto.hash (one call, no Hash object) is twice as fast as createHash for a file's few KiB.
const sha = (text: string) => hash('sha256', text, 'base64url').slice(0, 32);

/** A rendered file's content, for comparing a new rendering with a tree known to be unchanged since it was recorded. */
export const contentHash = (text: string) => hash('sha1', text, 'base64url').slice(0, 22);

/** The files of a cache entry's tree (its paths less the directories), relative. */
export const entryFiles = (e: CacheEntry) => e.paths.filter((p) => p !== '' && !p.endsWith('/'));

/**
 * The generators that turn a config into files, as this process runs them (compiled or from
 * sources), their templates and the toolchain's version: a new toolchain renders everything.
 */
let toolchain: string | undefined;
export function toolchainFingerprint(): string {
  if (toolchain) return toolchain;
  const top = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const digest = createHash('sha256');
  const validation = ['', 'load', 'policy', 'schema', 'text'].map((d) => join(top, 'validation', d));
  for (const dir of [join(top, 'generators'), join(top, 'contract'), join(top, 'gguf'), ...validation, templatesDir, dirname(schemaPath)]) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((f) => /\.(js|ts|hbs|json)$/.test(f) && !/\.test\./.test(f)).sort();
    } catch {
      continue;
    }
    for (const f of names) digest.update(`${f}\0`).update(readFileSync(join(dir, f))).update('\0');
  }
  digest.update(readFileSync(join(packageRoot, 'package.json')));
  return (toolchain = digest.digest('base64url'));
}

/** The inputs an environment's rendered files depend on, besides the toolchain. */
export function inputKey(name: string, config: unknown, keyringJson: string): string {
  return sha(`${name}\0${JSON.stringify(config)}\0${keyringJson}`);
}

/**
 * What the stamp of rendered/<env>/ is made of: each of `paths`' size, mtime and inode, in order;
 * undefined when one is missing or has changed kind. `known` gives the lines already known (a
 * file hard-linked from a tree just stat-ed keeps its size, mtime and inode): those are not stat-ed.
 */
export function statTree(dir: string, paths: readonly string[], known?: ReadonlyMap<string, string>): string[] | undefined {
  const parts: string[] = [];
  for (const p of paths) {
    const line = known?.get(p);
    if (line !== undefined) {
      parts.push(line);
      continue;
    }
    // lstat: what the stamp must catch is a change to what render wrote (a link put in its place is a new inode); ≈ 15 % cheaper than stat.
    const s = lstatSync(p === '' ? dir : `${dir}/${p}`, { throwIfNoEntry: false });
    if (!s || s.isDirectory() !== (p === '' || p.endsWith('/'))) return undefined;
    parts.push(`${s.size} ${s.mtimeMs} ${s.ino}`);
  }
  return parts;
}

/** A tree's stamp, from statTree's lines. */
export const stampOf = (parts: readonly string[]) => sha(parts.join('\n'));

/** The directories of a tree holding `files` (relative paths), each ending in /, the tree itself as "". */
export function treePaths(files: readonly string[]): string[] {
  return ['', ...directoriesOf(files).map((d) => `${d}/`), ...files];
}

/**
 * A tree's paths as treePaths makes them: the tree itself first (its inode and mtime put a
 * stamp out of reach of anyone who cannot see this machine's disk: a cache file committed to a
 * pull request cannot pass for a tree), then relative paths that stay inside it.
 */
function isLayout(paths: unknown): paths is string[] {
  return Array.isArray(paths) && paths.length > 1 && paths[0] === '' && paths.slice(1).every((p) => typeof p === 'string' && p !== '' && !p.startsWith('/') && !p.split('/').includes('..'));
}

/** A stored validation record, or undefined when it does not hold together (the entry then validates as usual). */
function readValidation(c: CacheFile, env: string, [ids, digest, until, target]: StoredValidation): CacheEntry['validated'] {
  const inputs = Array.isArray(ids) ? ids.map((i) => c.inputs?.[i]) : [];
  const to = c.targets?.[target];
  if (inputs.length === 0 || !inputs.every(isInput) || typeof digest !== 'string' || (until !== null && typeof until !== 'number') || typeof to !== 'object' || to === null) return undefined;
  return { inputs: { inputs: inputs as Input[], digest, ...(typeof until === 'number' ? { until } : {}) }, target: { ...to, env } };
}

/** The cache of one output directory. */
export class RenderCache {
  private constructor(
    private readonly file: string | undefined,
    readonly entries: Map<string, CacheEntry>,
  ) {}

  static disabled(): RenderCache {
    return new RenderCache(undefined, new Map());
  }

  /** The cache of `outDir` under `root`; empty when there is none, or it was made by another toolchain. */
  static open(root: string, outDir: string): RenderCache {
    let out: string;
    try {
      out = realpathSync(outDir);
    } catch {
      out = resolve(outDir);
    }
    const file = join(root, CACHE_DIR, `render-${sha(out).slice(0, 16)}.json`);
    const entries = new Map<string, CacheEntry>();
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
      if (c.version === 3 && c.toolchain === toolchainFingerprint())
        for (const [env, row] of Object.entries(c.environments)) {
          // A cache is only a shortcut: an entry that does not hold together is left out (that environment renders in full).
          if (!Array.isArray(row)) continue;
          const [key, layout, stamp, contents, v] = row;
          const paths = c.layouts[layout];
          if (typeof key !== 'string' || typeof stamp !== 'string' || typeof contents !== 'string' || !isLayout(paths)) continue;
          const validated = Array.isArray(v) ? readValidation(c, env, v) : undefined;
          entries.set(env, { key, paths, stamp, contents: contents ? contents.split(' ') : [], ...(validated ? { validated } : {}) });
        }
    } catch {
      // None yet, or unreadable: every environment renders in full.
      entries.clear();
    }
    return new RenderCache(file, entries);
  }

  /** Writes the entries (replacing the file whole); silent when it cannot. */
  save(entries: Iterable<[string, CacheEntry]>): void {
    if (!this.file) return;
    const layouts = new Table<string[]>();
    const inputs = new Table<Input>();
    const targets = new Table<Omit<SyncTarget, 'env'>>();
    const environments: CacheFile['environments'] = {};
    for (const [env, e] of entries) {
      const row: CacheFile['environments'][string] = [e.key, layouts.id(e.paths, e.paths.join('\0')), e.stamp, e.contents.join(' ')];
      if (e.validated) {
        const { inputs: recorded, digest, until } = e.validated.inputs;
        const { env: _env, ...target } = e.validated.target;
        row.push([recorded.map((i) => inputs.id(i, i.join('\0'))), digest, until ?? null, targets.id(target)]);
      }
      environments[env] = row;
    }
    const body: CacheFile = { version: 3, toolchain: toolchainFingerprint(), layouts: layouts.values, inputs: inputs.values, targets: targets.values, environments };
    try {
      const dir = dirname(this.file);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, '.gitignore'), '# smartbot render cache (docs/render.md): safe to delete\n*\n');
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(body));
      renameSync(tmp, this.file);
    } catch {
      // A read-only checkout renders as well, only without the shortcut next time.
    }
  }
}
