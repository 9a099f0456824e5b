// Writing rendered trees without ever leaving a half-written file: each environment's changes
// are staged beside rendered/ first and swapped in with renames only when every environment
// rendered, so an invalid environment leaves rendered/ as it was. A tree whose file list
// changes is staged whole in a sibling directory and swapped in whole; a tree whose files only
// change content (a tier change: one or two files of each tree) has just those files staged,
// each renamed over its old copy (the rest of the tree is not touched: staging it whole cost
// a link per kept file and an unlink per old file, 60 system calls a tree). Unchanged trees are
// not touched (no write, no new mtime). `compareTree` is the drift gate behind `render --check`.
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { RenderedFile } from './index.js';

/** Every file below `dir`, relative, sorted; nothing when it does not exist. One directory read for the whole tree. */
export function listTree(dir: string): string[] {
  // A first render finds no trees: a failing readdir builds an exception (≈ 60 µs), a stat does not (≈ 5 µs).
  if (!lstatSync(dir, { throwIfNoEntry: false })) return [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const prefix = `${dir}/`;
  const rel = (parent: string, name: string) => (parent === dir ? name : parent.startsWith(prefix) ? `${parent.slice(prefix.length)}/${name}` : relative(dir, join(parent, name)));
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => rel(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

export interface Drift {
  /** rendered/<env>/<path> entries that differ, are missing, or should not exist. */
  changed: string[];
  missing: string[];
  extra: string[];
}

export const hasDrift = (d: Drift) => d.changed.length + d.missing.length + d.extra.length > 0;

export function compareTree(outDir: string, env: string, files: RenderedFile[]): Drift {
  return diffTree(outDir, env, files).drift;
}

/** What differs, and those of `files` the tree already holds as they are (relative). */
function diffTree(outDir: string, env: string, files: RenderedFile[]): { drift: Drift; same: Set<string> } {
  const dir = join(outDir, env);
  return driftAgainst(dir, files, listTree(dir), readsAsRendered(dir));
}

/** A file of the tree at `dir` holds what was rendered: read and compared. Rendered paths are clean relative paths, joined by hand (path.join per file was measurable at 170,000 files). */
const readsAsRendered = (dir: string) => (f: RenderedFile) => readFileSync(`${dir}/${f.path}`, 'utf8') === f.text;

/**
 * How `files` differ from the tree at `dir` that holds `have` (relative paths), `unchanged`
 * telling whether a file it holds is as rendered (by reading it, or by a recorded content hash);
 * and which files it holds as they are. Paths in the drift are `dir`/path, each list sorted.
 */
export function driftAgainst(dir: string, files: RenderedFile[], have: Iterable<string>, unchanged: (file: RenderedFile, index: number) => boolean): { drift: Drift; same: Set<string> } {
  const extra = new Set(have);
  const drift: Drift = { changed: [], missing: [], extra: [] };
  const same = new Set<string>();
  files.forEach((f, i) => {
    if (!extra.delete(f.path)) drift.missing.push(`${dir}/${f.path}`);
    else if (!unchanged(f, i)) drift.changed.push(`${dir}/${f.path}`);
    else same.add(f.path);
  });
  for (const p of extra) drift.extra.push(`${dir}/${p}`);
  drift.changed.sort(), drift.missing.sort(), drift.extra.sort();
  return { drift, same };
}

/** The directories holding `files` (relative paths), deepest last, each without a trailing slash. */
export function directoriesOf(files: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const f of files) for (let i = f.indexOf('/'); i >= 0; i = f.indexOf('/', i + 1)) dirs.add(f.slice(0, i));
  return [...dirs];
}

const stagingDir = (outDir: string, env: string) => join(outDir, `.${env}.tmp-${process.pid}`);

/** Where a run stages the changed files of trees it patches: one flat directory, `<env>.<n>` (environment names hold no dot). */
export const patchDir = (outDir: string) => join(outDir, `.patch-${process.pid}`);

/**
 * A tree staged beside rendered/<env>/: whole, in `dir` (with the files the tree it replaces
 * holds, relative), or as `patch`: the files whose content changed (relative), staged as
 * patchDir/<env>.<n>, the tree's file list unchanged.
 */
export type StagedTree = { dir: string; previous: string[] } | { patch: string[] };

/** A tree just staged: whole, which of its files are hard links to the tree it replaces (same inode and mtime); a patch, each changed file's name in patchDir. */
export type Staging = { patch: string[]; stagedAs: string[] } | { dir: string; previous: string[]; linked: Set<string> };

/**
 * Stages rendered/<env>/'s new content, unless the tree already holds exactly these files.
 * `known`: the caller knows the tree differs, holds `previous`, and holds the files in `same`
 * as they are (nothing is read). A tree holding the same file list gets a patch; another is
 * staged whole, a file it already holds hard-linked rather than written again (where links
 * are refused, written).
 */
export function stageTree(outDir: string, env: string, files: RenderedFile[], known?: { previous: string[]; same: ReadonlySet<string> }): Staging | undefined {
  const current = join(outDir, env);
  let have = known?.previous;
  let same = known?.same;
  if (!have || !same) {
    have = listTree(current);
    // No tree yet, or an empty one (a first render): every file is new; no drift list to build, nothing to read.
    if (have.length === 0 && files.length > 0) same = new Set();
    else {
      const diff = driftAgainst(current, files, have, readsAsRendered(current));
      if (!hasDrift(diff.drift)) return undefined;
      same = diff.same;
    }
  }
  const held = new Set(have);
  // A patch renames into the tree: only into a real directory (the caller's `known` stat-ed it as one), never through a link.
  const isDirectory = known !== undefined || lstatSync(current, { throwIfNoEntry: false })?.isDirectory();
  if (isDirectory && held.size > 0 && held.size === files.length && files.every((f) => held.has(f.path))) return stagePatch(outDir, env, files.filter((f) => !same.has(f.path)));
  const tmp = stagingDir(outDir, env);
  const linked = new Set<string>();
  try {
    makeEmptyDir(tmp);
    const made = new Set<string>([tmp]);
    let linking = true;
    for (const f of files) {
      const path = join(tmp, f.path);
      const dir = dirname(path);
      if (!made.has(dir)) mkdirSync(dir, { recursive: true }), made.add(dir);
      if (linking && same.has(f.path)) {
        try {
          linkSync(`${current}/${f.path}`, path);
          linked.add(f.path);
          continue;
        } catch {
          linking = false;
        }
      }
      writeFileSync(path, f.text);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { dir: tmp, previous: have, linked };
}

/** Writes the changed files of rendered/<env>/ into patchDir (made on first use; a run removes it once swapped). */
function stagePatch(outDir: string, env: string, changed: RenderedFile[]): Staging {
  const dir = patchDir(outDir);
  changed.forEach((f, n) => {
    const path = `${dir}/${env}.${n}`; // swapTree renames it from there
    try {
      writeFileSync(path, f.text);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path, f.text);
    }
  });
  return { patch: changed.map((f) => f.path), stagedAs: changed.map((_, n) => `${env}.${n}`) };
}

/** Makes `dir` an empty directory: one left by a crashed run of the same pid is cleared first. */
function makeEmptyDir(dir: string): void {
  // A recursive mkdir answers undefined when the directory was there already.
  if (mkdirSync(dir, { recursive: true }) === undefined) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
  }
}

/** A replaced tree moved aside, still to be removed (removeTrees), with the files it held. */
export interface ReplacedTree {
  dir: string;
  files: string[];
}

/**
 * Swaps a staged tree in as rendered/<env>/. Whole: the previous tree is moved aside (put back
 * if the swap fails halfway), not removed: the caller removes every replaced tree once all are
 * swapped (removeTrees). A patch: each changed file renamed over its old copy.
 */
export function swapTree(outDir: string, env: string, staged: StagedTree): ReplacedTree | undefined {
  const final = join(outDir, env);
  if ('patch' in staged) {
    const from = patchDir(outDir);
    staged.patch.forEach((p, n) => renameSync(`${from}/${env}.${n}`, `${final}/${p}`));
    return undefined;
  }
  const old = join(outDir, `.${env}.old-${process.pid}`);
  const was = lstatSync(final, { throwIfNoEntry: false });
  try {
    if (was) renameSync(final, old);
    renameSync(staged.dir, final);
  } catch (e) {
    if (!existsSync(final) && existsSync(old)) renameSync(old, final);
    rmSync(staged.dir, { recursive: true, force: true });
    throw e;
  }
  // A link (or file) where the tree was is removed itself, never what it points to.
  return was ? { dir: old, files: was.isDirectory() ? staged.previous : [] } : undefined;
}

/** Removes the patch directory: once every patch is swapped in, or with what it holds when a run stops short. */
export function removePatchDir(outDir: string): void {
  rmSync(patchDir(outDir), { recursive: true, force: true });
}

/** Removes what a run staged and did not swap in (an environment was invalid, a swap failed). */
export function discardStaged(outDir: string, staged: readonly StagedTree[]): void {
  for (const s of staged) if ('dir' in s) rmSync(s.dir, { recursive: true, force: true });
  removePatchDir(outDir);
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Staging left beside the trees by a run that died (its process is gone): removed by the next run that writes. */
export function removeLeftovers(outDir: string): void {
  let names: string[];
  try {
    names = readdirSync(outDir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.(?:patch-(\d+)|[a-z0-9][-a-z0-9_]*\.(?:tmp|old)-(\d+))$/.exec(name);
    const pid = m && Number(m[1] ?? m[2]);
    if (pid && pid !== process.pid && !isAlive(pid)) rmSync(join(outDir, name), { recursive: true, force: true });
  }
}

/**
 * Removes replaced trees: one unlink per file they held, then their directories, deepest first
 * (Node's recursive rm stats and lists every entry first, and its promise API costs more per
 * file than the unlink itself: a fleet's tier change removed 130,000 files in 2.2 s that way,
 * 1.1 s like this). Synchronous: a fleet's removal is split over worker threads by the caller.
 * A tree holding anything else by then is removed recursively.
 */
export function removeTrees(trees: readonly ReplacedTree[]): void {
  for (const { dir, files } of trees) {
    try {
      for (const f of files) unlinkSync(`${dir}/${f}`);
      // A directory's path is longer than its parent's: longest first removes children first.
      for (const d of directoriesOf(files).sort((a, b) => b.length - a.length)) rmdirSync(`${dir}/${d}`);
      rmdirSync(dir);
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Writes rendered/<env>/ unless it already holds exactly these files; says which happened. */
export function writeTree(outDir: string, env: string, files: RenderedFile[]): 'written' | 'unchanged' {
  mkdirSync(outDir, { recursive: true });
  const staged = stageTree(outDir, env, files);
  if (!staged) return 'unchanged';
  const replaced = swapTree(outDir, env, staged);
  if (replaced) rmSync(replaced.dir, { recursive: true, force: true });
  removePatchDir(outDir);
  return 'written';
}
