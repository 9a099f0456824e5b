// `smartbot plan`: what merging head into base does to every environment it reaches. Both
// sides are read from git (git.ts): the tree listings (mode, type and size of every file, known
// before anything is read) and then only the blobs a side needs (git-files.ts), straight into
// validation: no temporary directory, nothing written. Environments are planned one at a time
// (environment.ts), on worker threads when there are many (chunk.ts, worker.ts), keeping a hash
// of each one's change and the details of the first of each group (group.ts); the plan is the
// groups, in an order that does not depend on how the work was split.
import { join } from 'node:path';
import { environmentNameOf, LAYOUT, tierNameOf } from '../contract/paths.js';
import { runWorkers, splitEvenly, workerCount, workerScript } from '../contract/worker-pool.js';
import { planChunk, PLAN_DIRS, type ChunkInput, type ChunkOutput, type GroupDetails } from './chunk.js';
import type { Pair } from './environment.js';
import { GitRepo, type Commit, type TreeEntries } from './git.js';
import type { SourceLine } from './model-diff.js';
import { flag, type RiskFlag } from './risks.js';
import type { ChangeGroup, Plan, PlanRisk } from './types.js';

export * from './types.js';

export interface PlanOptions {
  /** The smartbot root inside a git repository. */
  root: string;
  base: string;
  /** Default HEAD. */
  head?: string;
  /** Where local GGUF files are looked up (default <root>/models), as for validate. */
  modelsDir?: string;
  /** Worker threads (default: one per core when there are enough environments; 1 plans in this thread). */
  jobs?: number;
  /** Environments planned so far, of how many. */
  onProgress?: (done: number, total: number) => void;
}

/** Below this many environments per worker, a worker's start costs more than it saves. */
const ENVIRONMENTS_PER_WORKER = 300;

const envFilesOf = (tree: TreeEntries) => {
  const out = new Map<string, string>();
  for (const path of tree.keys()) {
    const name = environmentNameOf(path);
    if (name !== undefined && !out.has(name)) out.set(name, path);
  }
  return out;
};

/**
 * The environments a change may reach: its own file (added, removed, renamed, changed), and,
 * when a tier or keyring changed, every environment on either side (whether one layers over
 * that tier or reads that keyring is known once it is read).
 */
function candidates(repo: GitRepo, base: string, head: string, files: { base: Map<string, string>; head: Map<string, string> }): { pairs: Pair[]; tiers: string[]; keyrings: string[] } {
  const pairs = new Map<string, Pair>();
  const tiers = new Set<string>();
  const keyrings = new Set<string>();
  const add = (key: string, pair: Omit<Pair, 'because'>, why: string) => {
    const p = pairs.get(key) ?? { ...pair, because: [] };
    p.because.push(why);
    pairs.set(key, p);
  };
  for (const c of repo.changes(base, head, PLAN_DIRS)) {
    const to = environmentNameOf(c.path);
    const from = c.from === undefined ? undefined : environmentNameOf(c.from);
    if (c.status === 'renamed' && from !== undefined && to !== undefined) add(to, { status: 'renamed', base: from, head: to }, `renamed from ${c.from}`);
    else if (c.status === 'renamed') {
      if (from !== undefined) add(from, { status: 'removed', base: from }, `${c.from} deleted`);
      if (to !== undefined) add(to, { status: 'added', head: to }, `${c.path} added`);
    } else if (to !== undefined && c.status === 'added') add(to, { status: 'added', head: to }, `${c.path} added`);
    else if (to !== undefined && c.status === 'removed') add(to, { status: 'removed', base: to }, `${c.path} deleted`);
    else if (to !== undefined) add(to, { status: 'changed', base: to, head: to }, `${c.path} changed`);
    for (const p of [c.path, c.from]) {
      const tier = p === undefined ? undefined : tierNameOf(p);
      if (tier !== undefined) tiers.add(tier);
      if (p?.startsWith(`${LAYOUT.keyrings}/`)) keyrings.add(p);
    }
  }
  if (tiers.size || keyrings.size) {
    // Every other environment: unchanged itself (its file is the same on both sides), reached or not.
    const paired = new Set([...pairs.values()].flatMap((p) => [p.base, p.head]));
    for (const name of files.head.keys()) if (!paired.has(name) && files.base.has(name)) pairs.set(name, { status: 'changed', base: name, head: name, because: [] });
  }
  const sorted = [...pairs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
  return { pairs: sorted, tiers: [...tiers], keyrings: [...keyrings] };
}

export async function buildPlan(opts: PlanOptions): Promise<Plan> {
  const repo = new GitRepo(opts.root);
  const base = repo.resolve(opts.base);
  const head = repo.resolve(opts.head ?? 'HEAD');
  const trees = { base: repo.entries(base.sha, PLAN_DIRS), head: repo.entries(head.sha, PLAN_DIRS) };
  const envFiles = { base: envFilesOf(trees.base), head: envFilesOf(trees.head) };
  const { pairs, tiers, keyrings } = candidates(repo, base.sha, head.sha, envFiles);

  const shared: Omit<ChunkInput, 'pairs'> = {
    root: opts.root,
    trees: { base: [...trees.base], head: [...trees.head] },
    envFiles: { base: [...envFiles.base], head: [...envFiles.head] },
    reach: { tiers, keyrings },
    modelsDir: opts.modelsDir ?? join(opts.root, LAYOUT.models),
  };
  const script = workerScript(new URL('./worker.js', import.meta.url));
  const jobs = script ? workerCount(pairs.length, ENVIRONMENTS_PER_WORKER, opts.jobs) : 1;
  const progress = opts.onProgress && ((done: number) => opts.onProgress!(done, pairs.length));
  const outputs =
    jobs === 1
      ? [planChunk({ ...shared, pairs }, progress)]
      : await runWorkers<ChunkInput, ChunkOutput>(script!, splitEvenly(pairs, jobs).map((p) => ({ ...shared, pairs: p })), progress);
  return summarize(base, head, outputs);
}

/** A group in the making: its details, and every environment with the same change. */
interface Gathered extends GroupDetails {
  environments: string[];
}

/** The outputs of consecutive runs, in order: each group's first environment comes from the first run that saw it. */
function gather(outputs: ChunkOutput[]): { groups: Gathered[]; unchanged: string[] } {
  const groups = new Map<string, Gathered>();
  const unchanged: string[] = [];
  for (const out of outputs) {
    for (const [name, sig] of out.planned) {
      if (sig === null) {
        unchanged.push(name);
        continue;
      }
      let g = groups.get(sig);
      if (!g) groups.set(sig, (g = { ...out.groups[sig]!, environments: [] }));
      g.environments.push(name);
    }
  }
  return { groups: [...groups.values()], unchanged };
}

const blocks = (g: ChangeGroup) => g.risks.some((r) => r.blocking);
const invalid = (g: ChangeGroup) => g.validation?.valid === false;

/** Blocking first, then invalid, risky and restarting groups, then the largest, then by name. */
function byImportance(a: ChangeGroup, b: ChangeGroup): number {
  const rank = (g: ChangeGroup) => [Number(blocks(g)), Number(invalid(g)), Number(g.risks.length > 0), Number(g.restarts.length > 0), g.environments.length];
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return rb[i]! - ra[i]!;
  return a.environments[0]! < b.environments[0]! ? -1 : 1;
}

function summarize(base: Commit, head: Commit, outputs: ChunkOutput[]): Plan {
  const gathered = gather(outputs);
  const risks = new Map<string, PlanRisk>();
  const raise = (key: string, f: RiskFlag, envs: string[]) => {
    const r = risks.get(key) ?? { ...f, environments: [] };
    r.environments.push(...envs);
    risks.set(key, r);
  };
  for (const g of gathered.groups) g.change.risks.forEach((f, i) => raise(g.riskKeys[i]!, f, g.environments));

  // A tier default that reaches several environments: one flag, naming them all, at the first changed line.
  const tierChanges = new Map<string, { envs: string[]; at: SourceLine }>();
  for (const g of gathered.groups)
    for (const f of g.change.fields.filter((f) => f.tierDefault && g.change.because.includes(`${f.source.file} changed`))) {
      const t = tierChanges.get(f.source.file) ?? { envs: [], at: f.source };
      for (const e of g.environments) if (!t.envs.includes(e)) t.envs.push(e);
      if (f.source.line < t.at.line) t.at = f.source;
      tierChanges.set(f.source.file, t);
    }
  for (const [file, t] of tierChanges) {
    if (t.envs.length < 2) continue;
    const f = flag('tier-ripple', { file, environments: t.envs.length }, t.at);
    raise(JSON.stringify([f.id, f.reason, f.source]), f, t.envs);
  }
  const groups: ChangeGroup[] = gathered.groups.map(({ change, environments }) => {
    const { name: _shownFor, ...details } = change;
    return { environments, ...details };
  });
  groups.sort(byImportance);

  const list = [...risks.values()].map((r) => ({ ...r, environments: [...new Set(r.environments)].sort() }));
  list.sort((a, b) => Number(b.blocking) - Number(a.blocking) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || b.environments.length - a.environments.length);
  const count = (keep: (g: ChangeGroup) => boolean) => groups.filter(keep).reduce((n, g) => n + g.environments.length, 0);
  return {
    version: 2,
    base,
    head,
    groups,
    unchanged: gathered.unchanged,
    risks: list,
    summary: {
      environments: count(() => true),
      groups: groups.length,
      invalid: count(invalid),
      restarts: count((g) => g.restarts.length > 0),
      risks: list.length,
      blocking: list.filter((r) => r.blocking).length,
    },
  };
}
