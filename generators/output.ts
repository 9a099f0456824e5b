// Writing rendered trees without ever leaving a half-written one: each environment is written
// into a temporary sibling directory, then swapped in with renames. Unchanged trees are not
// touched (no write, no new mtime), so a re-render of a large repository costs only reads. `compareTree` is the
// drift gate behind `render --check`.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RenderedFile } from './index.js';

/** Every file below `dir`, relative, sorted. */
export function listTree(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listTree(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

/** Writes rendered/<env>/ unless it already holds exactly these files; says which happened. */
export function writeTree(outDir: string, env: string, files: RenderedFile[]): 'written' | 'unchanged' {
  const drift = compareTree(outDir, env, files);
  if (!drift.changed.length && !drift.missing.length && !drift.extra.length) return 'unchanged';
  mkdirSync(outDir, { recursive: true });
  const final = join(outDir, env);
  const tmp = join(outDir, `.${env}.tmp-${process.pid}`);
  const old = join(outDir, `.${env}.old-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    const made = new Set<string>();
    for (const f of files) {
      const path = join(tmp, f.path);
      const dir = dirname(path);
      if (!made.has(dir)) mkdirSync(dir, { recursive: true }), made.add(dir);
      writeFileSync(path, f.text);
    }
    if (existsSync(final)) renameSync(final, old);
    renameSync(tmp, final);
  } catch (e) {
    // Put the previous tree back if the swap got halfway.
    if (!existsSync(final) && existsSync(old)) renameSync(old, final);
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
  return 'written';
}

export interface Drift {
  /** rendered/<env>/<path> entries that differ, are missing, or should not exist. */
  changed: string[];
  missing: string[];
  extra: string[];
}

export function compareTree(outDir: string, env: string, files: RenderedFile[]): Drift {
  const dir = join(outDir, env);
  const want = new Map(files.map((f) => [f.path, f.text]));
  const have = listTree(dir);
  const rel = (p: string) => join(outDir, env, p);
  return {
    changed: have.filter((p) => want.has(p) && readFileSync(join(dir, p), 'utf8') !== want.get(p)).map(rel),
    missing: [...want.keys()].filter((p) => !have.includes(p)).map(rel),
    extra: have.filter((p) => !want.has(p)).map(rel),
  };
}
