// A contiguous run of a plan's environments, planned one at a time: in the main thread, or in a
// worker thread (worker.ts) when there are enough of them to pay for it. What comes back is a
// group hash per environment and the details of each group's first environment in the run, so
// memory follows the number of distinct changes, not the number of environments, and the
// merged result is the same whichever way the environments were split.
import { LAYOUT, tierFile } from '../contract/paths.js';
import { TIERS } from '../validation/load/layers.js';
import { RecentParses } from '../validation/load/yaml-source.js';
import { EnvironmentValidator } from '../validation/validate.js';
import { planEnvironment, PlanSide, type Pair } from './environment.js';
import { GitRepo, type TreeEntry } from './git.js';
import { GitFiles } from './git-files.js';
import { changeSignature, riskKeys } from './group.js';
import type { EnvironmentChange } from './types.js';

export interface ChunkInput {
  root: string;
  /** Each side's tree entries (environments/, keyrings/, audit/), as [path, entry] pairs. */
  trees: { base: [string, TreeEntry][]; head: [string, TreeEntry][] };
  /** Environment name → file, per side. */
  envFiles: { base: [string, string][]; head: [string, string][] };
  pairs: Pair[];
  reach: { tiers: string[]; keyrings: string[] };
  modelsDir: string;
  maxFileBytes?: number;
}

export interface GroupDetails {
  change: EnvironmentChange;
  /** One per risk of the change, to group risks across groups. */
  riskKeys: string[];
}

export interface ChunkOutput {
  /** [environment, group hash], in the order planned; the hash is null for an environment reached but unchanged. */
  planned: [string, string | null][];
  /** The first environment of each group seen in this run. */
  groups: Record<string, GroupDetails>;
}

/** Preloading env blobs in batches of this many keeps one git process busy without holding a whole fleet's files. */
const BATCH = 500;

export function planChunk(input: ChunkInput, onProgress?: (done: number) => void): ChunkOutput {
  const repo = new GitRepo(input.root);
  // Both sides read mostly the same blobs (a tier change): one store of texts, one parse each.
  const texts = new Map<string, string>();
  const parses = new RecentParses();
  const side = (which: 'base' | 'head') => {
    const files = new GitFiles(repo, new Map(input.trees[which]), input.maxFileBytes, texts);
    const validator = new EnvironmentValidator({ root: '.', files, modelsDir: input.modelsDir, tierProblemsEveryTime: true, parses });
    return new PlanSide(files, validator, new Map(input.envFiles[which]));
  };
  const sides = { base: side('base'), head: side('head') };
  for (const s of [sides.base, sides.head]) s.files.preload(TIERS.map(tierFile));
  const reach = { tiers: new Set(input.reach.tiers), keyrings: new Set(input.reach.keyrings) };

  const out: ChunkOutput = { planned: [], groups: {} };
  for (let i = 0; i < input.pairs.length; i++) {
    if (i % BATCH === 0) {
      const next = input.pairs.slice(i, i + BATCH);
      sides.base.files.preload(next.flatMap((p) => (p.base !== undefined ? [sides.base.envFiles.get(p.base)!] : [])));
      sides.head.files.preload(next.flatMap((p) => (p.head !== undefined ? [sides.head.envFiles.get(p.head)!] : [])));
      if (i > 0) onProgress?.(i);
    }
    const planned = planEnvironment(input.pairs[i]!, sides, reach);
    if (planned.kind === 'unreached') continue;
    if (planned.kind === 'quiet') {
      out.planned.push([planned.name, null]);
      continue;
    }
    const sig = changeSignature(planned.change, planned.own);
    out.planned.push([planned.change.name, sig]);
    out.groups[sig] ??= { change: planned.change, riskKeys: riskKeys(planned.change, planned.own) };
  }
  onProgress?.(input.pairs.length);
  return out;
}

/** The directories a plan reads from each commit. */
export const PLAN_DIRS = [LAYOUT.environments, LAYOUT.keyrings, LAYOUT.audit];
