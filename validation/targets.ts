// Which environment files a run covers: the first step of validate, render and plan, kept apart
// from the pipeline's modules so that a command can start its workers before loading them.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LAYOUT } from '../contract/paths.js';
import { isInside } from './load/repo-file.js';

const isYaml = (f: string) => /\.ya?ml$/.test(f);

/** An environment file to read, and what it is confined to (see RepoFiles.read). */
export interface Target {
  file: string;
  within: string;
}

/**
 * The environment files a run covers. A named path ending in .yaml is a file, whatever it
 * turns out to be (a directory called x.yaml is refused, not searched); other directories are
 * listed. Files named outside the root are confined to what was named.
 */
export function environmentTargets(root: string, paths?: string[]): { targets: Target[]; empty: string[] } {
  const named = paths?.length ? paths : [join(root, LAYOUT.environments)];
  const targets: Target[] = [];
  const empty: string[] = [];
  for (const path of named) {
    let isDir = false;
    try {
      isDir = !isYaml(path) && statSync(path).isDirectory();
    } catch {
      // Missing paths are passed through; the reader reports them as io-missing.
    }
    const within = isInside(resolve(path), resolve(root)) ? root : isDir ? path : dirname(path);
    if (!isDir) {
      targets.push({ file: path, within });
      continue;
    }
    const files = readdirSync(path).filter(isYaml).sort();
    if (files.length === 0) empty.push(path);
    targets.push(...files.map((f) => ({ file: join(path, f), within })));
  }
  return { targets, empty };
}
