// A contiguous run of environments rendered, in this thread or a worker (worker.ts): each one
// validated, rendered and compared with its tree under the output directory, then — writing —
// staged beside it (generators/output.ts), never swapped in here: the command swaps every
// staged tree in only when every environment rendered. Each environment is dropped once done.
// An environment the render cache (cache.ts) knows, with the same inputs and an untouched
// tree, is neither rendered nor read back; when everything its validation read is as the cache
// recorded, it is not validated again either.
import { environmentFile, environmentNameFromFile } from '../../contract/paths.js';
import { syncTarget, type SyncTarget } from '../../generators/gitops.js';
import { renderEnvironment, type RenderedFile } from '../../generators/index.js';
import { compareTree, driftAgainst, hasDrift, patchDir, stageTree, type Drift, type StagedTree } from '../../generators/output.js';
import type { Diagnostic } from '../../validation/diagnostics.js';
import { refusalMessage, repoPath } from '../../validation/load/repo-file.js';
import { EnvironmentValidator, type Target } from '../../validation/validate.js';
import { contentHash, entryFiles, inputKey, stampOf, statTree, treePaths, type CacheEntry } from './cache.js';

export interface RenderChunkInput {
  root: string;
  targets: Target[];
  outDir: string;
  mode: 'write' | 'check';
  maxFileBytes: number;
  /** The render cache's entries for these environments, by name; absent: --no-cache. */
  cache?: Record<string, CacheEntry>;
}

export interface RenderedEnvironment {
  file: string;
  name: string;
  diagnostics: Diagnostic[];
  /** The file could not be read (exit 2). */
  io: boolean;
  /** Rendered (the environment is valid): how many files. */
  files?: number;
  /** write: the staged tree to swap in; absent when the tree already holds exactly these files. */
  staged?: StagedTree;
  /** check: what differs. */
  drift?: Drift;
  /** A keyring that validated but could not be read for rendering. */
  failure?: string;
  /** Where it syncs: the fleet's cluster groups are rendered from these. */
  target?: SyncTarget;
  /** The render cache knew the tree: not rendered, not read; 'inputs': nor validated, its inputs as recorded. */
  cached?: true | 'inputs';
  /** What the render cache should remember of it (absent: a tree that does not match, or no cache). */
  record?: CacheEntry;
  /** A patched tree: the record's stamp is taken once the patch is swapped in, these lines (by path) known. */
  stampAfterSwap?: Map<string, string>;
}

/** How `files` differ from a tree the cache recorded and that is untouched since: by content hash, nothing read. */
function knownDrift(dir: string, known: CacheEntry, files: RenderedFile[], contents: string[]): { drift: Drift; same: Set<string> } {
  const recorded = new Map(entryFiles(known).map((p, i) => [p, known.contents[i]]));
  return driftAgainst(dir, files, recorded.keys(), (f, i) => recorded.get(f.path) === contents[i]);
}

/** Environments between two progress reports (a few hundred milliseconds of work). */
const PROGRESS_EVERY = 500;

export function renderChunk(input: RenderChunkInput, onProgress?: (done: number) => void): RenderedEnvironment[] {
  const validator = new EnvironmentValidator({ root: input.root, maxFileBytes: input.maxFileBytes, warnings: false, recordInputs: Boolean(input.cache) });
  const out: RenderedEnvironment[] = [];
  let invalid = false;
  for (let i = 0; i < input.targets.length; i++) {
    if (i > 0 && i % PROGRESS_EVERY === 0) onProgress?.(i);
    const { file, within } = input.targets[i]!;
    const name = environmentNameFromFile(file);
    // An own key only: an environment may be named like an Object property (constructor).
    const known = input.cache && Object.hasOwn(input.cache, name) ? input.cache[name] : undefined;
    // Everything validation read as it was when the tree was recorded, and the tree untouched:
    // validation would find nothing wrong again, and rendering would write the same tree.
    let triedStat: string[] | undefined;
    if (known?.validated && validator.inputsUnchanged(known.validated.inputs, file, within)) {
      const stat = (triedStat = statTree(`${input.outDir}/${name}`, known.paths));
      if (stat && stampOf(stat) === known.stamp) {
        out.push({ file, name, diagnostics: [], io: false, target: known.validated.target, files: known.contents.length, cached: 'inputs', record: known });
        continue;
      }
    }
    const loaded = validator.load(file, within);
    const result = loaded.io ? undefined : validator.check(loaded);
    const entry: RenderedEnvironment = { file, name: loaded.name, diagnostics: result?.diagnostics ?? loaded.diagnostics, io: loaded.io };
    out.push(entry);
    const config = result?.config;
    // Once one environment is invalid nothing will be written: the rest are only validated.
    if (!config || invalid) {
      invalid ||= !config;
      continue;
    }
    // The keyring goes into the rendered ConfigMap: read through the gate validation used.
    const keyring = validator.files.read(repoPath(input.root, config.security.keyring.file));
    if (!keyring.ok) {
      entry.failure = `keyring ${config.security.keyring.file}: ${refusalMessage(keyring.refusal)}`;
      continue;
    }
    entry.target = syncTarget(loaded.name, config);
    const dir = `${input.outDir}/${loaded.name}`;
    const key = input.cache && inputKey(loaded.name, config, keyring.text);
    // Remembered only while it holds: an outcome past its time (a key at its age limit) is validated every run.
    const holds = result?.inputs && (result.inputs.until === undefined || result.inputs.until > Date.now());
    const validated = holds ? { validated: { inputs: result.inputs!, target: entry.target } } : {};
    // The tree as the cache recorded it, untouched since: what it holds is known without reading it.
    // (Stat-ed already when the shortcut above was tried: a tree edited by hand is stat-ed once.)
    const knownStat = key && known ? (triedStat ?? statTree(dir, known.paths)) : undefined;
    const intact = knownStat && stampOf(knownStat) === known!.stamp ? known : undefined;
    if (intact && intact.key === key) {
      Object.assign(entry, { files: intact.contents.length, cached: true, record: { ...intact, ...validated } });
      continue;
    }
    const files = renderEnvironment({ name: loaded.name, source: environmentFile(loaded.name), config, keyringJson: keyring.text });
    entry.files = files.length;
    const contents = key ? files.map((f) => contentHash(f.text)) : [];
    // The tree as it will stand once this run is over: the staged one (swapped in whole, its
    // files' mtimes and inodes kept) or the one already there when it matched.
    let tree: string | undefined;
    let reuse: Map<string, string> | undefined;
    const versus = intact ? knownDrift(dir, intact, files, contents) : undefined;
    const lines = intact && knownStat ? new Map(intact.paths.map((p, i) => [p, knownStat[i]!])) : undefined;
    if (input.mode === 'check') {
      entry.drift = versus?.drift ?? compareTree(input.outDir, loaded.name, files);
      if (!hasDrift(entry.drift)) tree = dir;
    } else {
      const staged = versus && !hasDrift(versus.drift) ? undefined : stageTree(input.outDir, loaded.name, files, intact && versus && { previous: entryFiles(intact), same: versus.same });
      if (staged && 'patch' in staged) {
        // Patched in place once every environment rendered: its stamp is taken after the swap,
        // re-stat-ing only the replaced files and the directories they were renamed into.
        entry.staged = { patch: staged.patch };
        if (key) {
          // A renamed file keeps its size, mtime and inode: stat-ed where it is staged. Its directory's mtime moves at the swap.
          const stamped = lines ?? new Map<string, string>();
          const stagedLines = statTree(patchDir(input.outDir), staged.stagedAs);
          staged.patch.forEach((p, n) => {
            if (stagedLines) stamped.set(p, stagedLines[n]!);
            else stamped.delete(p);
            stamped.delete(p.slice(0, p.lastIndexOf('/') + 1));
          });
          entry.record = { key, paths: treePaths(files.map((f) => f.path)), stamp: '', contents, ...validated };
          entry.stampAfterSwap = stamped;
        }
        continue;
      }
      if (staged) entry.staged = { dir: staged.dir, previous: staged.previous };
      tree = staged?.dir ?? dir;
      // Files linked from the tree just stat-ed keep its lines; the tree itself, when kept, all of them.
      if (lines) reuse = staged ? new Map([...staged.linked].map((p) => [p, lines.get(p)!])) : lines;
    }
    if (key && tree) {
      const paths = treePaths(files.map((f) => f.path));
      const parts = statTree(tree, paths, reuse);
      if (parts) entry.record = { key, paths, stamp: stampOf(parts), contents, ...validated };
    }
  }
  onProgress?.(input.targets.length);
  return out;
}
