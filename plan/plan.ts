// `smartbot plan`: what merging head into base does to every environment it reaches.
// Both sides are read from git (git.ts) and written, environments/ and keyrings/ only, into a
// private temporary directory, because validation reads files; that directory is removed
// afterwards and nothing is written into the work tree. Each side is then validated, layered
// (for the field diff and its provenance) and rendered in memory, and the two are compared.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import type { SmartbotEnvironment } from '../contract/environment.js';
import { WORKFLOW_KEY_FILE } from '../contract/audit-log.js';
import { AUDIT_LOG_FILE, parseKeyring, type KeyringFile } from '../contract/keyring-file.js';
import { renderEnvironment } from '../generators/index.js';
import type { Diagnostic } from '../validation/diagnostics.js';
import { layerEnvironment, TierCache, type LayeredEnvironment } from '../validation/load/layers.js';
import { loadYamlFile } from '../validation/load/yaml-source.js';
import { validateEnvironments, type EnvironmentResult } from '../validation/validate.js';
import { assess, assessAuditHistory, type SideFacts } from './assess.js';
import { GitRepo, type Commit, type Tree } from './git.js';
import { diffModels, type FieldChange, type Model, type SourceLine } from './model-diff.js';
import { compareRenderings, type ObjectDiff, type Rendering } from './objects.js';
import { pruneReport, type PruneReport } from './prune.js';
import { flag, type RiskFlag } from './risks.js';

export interface PlanOptions {
  /** The smartbot root inside a git repository. */
  root: string;
  base: string;
  /** Default HEAD. */
  head?: string;
  /** Where local GGUF files are looked up (default <root>/models), as for validate. */
  modelsDir?: string;
}

export type EnvironmentStatus = 'added' | 'removed' | 'changed' | 'renamed';

export interface HeadValidation {
  valid: boolean;
  errors: number;
  warnings: number;
  /** Repository-relative locations. */
  diagnostics: Diagnostic[];
}

export interface EnvironmentPlan {
  name: string;
  status: EnvironmentStatus;
  renamedFrom?: string;
  /** The changed files that reach this environment. */
  because: string[];
  fields: FieldChange[];
  /** Absent when a side could not be rendered (objectsNote says why). */
  objects?: ObjectDiff;
  objectsNote?: string;
  prune?: PruneReport;
  /** The head's validation; absent for a removed environment. */
  validation?: HeadValidation;
  risks: RiskFlag[];
}

export interface PlanRisk extends RiskFlag {
  environments: string[];
}

export interface Plan {
  version: 1;
  base: Commit;
  head: Commit;
  environments: EnvironmentPlan[];
  /** Reached by a changed file, but nothing about them changes. */
  unchanged: string[];
  /** Every risk once, with the environments it concerns. */
  risks: PlanRisk[];
  summary: { environments: number; invalid: number; risks: number; blocking: number };
}

export const planExitCode = (p: Plan): 0 | 1 => (p.summary.invalid > 0 || p.summary.blocking > 0 ? 1 : 0);

const DIRS = ['environments', 'keyrings'];
/** The key audit history: read from both sides, it only ever grows (assessAuditHistory). */
const AUDIT_FILES = [AUDIT_LOG_FILE, WORKFLOW_KEY_FILE];
const ENV_FILE = /^environments\/([^/]+)\.ya?ml$/;
const TIER_FILE = /^environments\/tiers\/([^/]+)\.ya?ml$/;

/**
 * One side (base or head) of the plan. Files are written into the private temporary directory
 * only when validation or layering needs them (the tier files, the environments planned and
 * their keyrings), so a large repository costs little more than a small one.
 */
class Side {
  readonly envFiles = new Map<string, string>();
  private readonly tiers: TierCache;
  private readonly layered = new Map<string, LayeredEnvironment | undefined>();
  private readonly written = new Set<string>();
  private validated?: Map<string, EnvironmentResult>;

  constructor(
    readonly dir: string,
    readonly tree: Tree,
    private readonly blobs: Map<string, Buffer>,
  ) {
    for (const path of tree.keys()) {
      const m = ENV_FILE.exec(path);
      if (m) this.envFiles.set(m[1]!, path);
      if (TIER_FILE.test(path)) this.materialise(path);
    }
    this.tiers = new TierCache(join(dir, 'environments', 'tiers'));
  }

  /** Writes a committed file into the directory (once); its absolute path. */
  private materialise(path: string): string {
    const abs = join(this.dir, path);
    const id = this.tree.get(path);
    if (id && !this.written.has(path)) {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, this.blobs.get(id)!);
      this.written.add(path);
    }
    return abs;
  }

  private envPath = (name: string) => this.materialise(this.envFiles.get(name)!);

  rel = (file: string) => (file.startsWith(`${this.dir}/`) ? file.slice(this.dir.length + 1) : file);

  /** The merged model with provenance, files repository-relative; undefined when it cannot be layered. */
  layer(name: string): LayeredEnvironment | undefined {
    if (!this.layered.has(name)) {
      const loaded = loadYamlFile(this.envPath(name));
      const env = loaded.ok ? layerEnvironment(loaded.source, this.tiers).env : undefined;
      if (env) env.places = new Map([...env.places].map(([p, place]) => [p, { ...place, file: this.rel(place.file) }]));
      this.layered.set(name, env && { ...env, file: this.rel(env.file) });
    }
    return this.layered.get(name);
  }

  /** Validates the named environments in one run (tier files are read once). */
  validate(names: string[], modelsDir: string): void {
    // The keyring policy checks that the keyring file exists.
    for (const n of names) {
      const keyring = this.keyringPath(this.layer(n)?.value ?? {});
      if (keyring) this.materialise(keyring);
    }
    const report = validateEnvironments({ root: this.dir, paths: names.map(this.envPath), modelsDir });
    this.validated = new Map(report.environments.map((e) => [e.name, e]));
  }

  result(name: string): { config?: SmartbotEnvironment; validation: HeadValidation } {
    const r = this.validated!.get(name)!;
    const scrub = (s: string) => s.split(`${this.dir}/`).join('');
    const diagnostics = r.diagnostics.map((d) => ({ ...d, file: this.rel(d.file), message: scrub(d.message), fix: scrub(d.fix) }));
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    return { ...(r.config ? { config: r.config } : {}), validation: { valid: errors === 0, errors, warnings: diagnostics.length - errors, diagnostics } };
  }

  keyringPath(config: { security?: { keyring?: { file?: unknown } } }): string | undefined {
    const file = config.security?.keyring?.file;
    return typeof file === 'string' ? posix.normalize(file) : undefined;
  }

  keyring(path: string | undefined): { text?: string; parsed?: KeyringFile } {
    const id = path && this.tree.get(path);
    if (!id) return {};
    const text = this.blobs.get(id)!.toString('utf8');
    try {
      return { text, parsed: parseKeyring(text) };
    } catch {
      return { text };
    }
  }

  render(name: string, config: SmartbotEnvironment): Rendering {
    const files = renderEnvironment({ name, source: `environments/${name}.yaml`, config, keyringJson: this.keyring(this.keyringPath(config)).text ?? '' });
    return { env: name, namespace: config.sync.namespace, files };
  }
}

interface Pair {
  status: EnvironmentStatus;
  base?: string;
  head?: string;
  because: string[];
}

/** The environments a change reaches: its own file, a tier it layers over, or its keyring. */
function affected(repo: GitRepo, baseSha: string, headSha: string, base: Side, head: Side): Pair[] {
  const pairs = new Map<string, Pair>();
  const tiers = new Set<string>();
  const keyrings = new Set<string>();
  const add = (key: string, pair: Omit<Pair, 'because'>, why: string) => {
    const p = pairs.get(key) ?? { ...pair, because: [] };
    p.because.push(why);
    pairs.set(key, p);
  };
  for (const c of repo.changes(baseSha, headSha, DIRS)) {
    const to = ENV_FILE.exec(c.path)?.[1];
    const from = c.from && ENV_FILE.exec(c.from)?.[1];
    if (c.status === 'renamed' && from && to) add(to, { status: 'renamed', base: from, head: to }, `renamed from ${c.from}`);
    else if (c.status === 'renamed') {
      if (from) add(from, { status: 'removed', base: from }, `${c.from} deleted`);
      if (to) add(to, { status: 'added', head: to }, `${c.path} added`);
    } else if (to && c.status === 'added') add(to, { status: 'added', head: to }, `${c.path} added`);
    else if (to && c.status === 'removed') add(to, { status: 'removed', base: to }, `${c.path} deleted`);
    else if (to) add(to, { status: 'changed', base: to, head: to }, `${c.path} changed`);
    for (const p of [c.path, c.from]) {
      const tier = p && TIER_FILE.exec(p)?.[1];
      if (tier) tiers.add(tier);
      if (p?.startsWith('keyrings/')) keyrings.add(p);
    }
  }
  if (tiers.size || keyrings.size) {
    // Every environment on either side: does it layer over a changed tier, or read a changed keyring?
    const pairOf = (side: Side, name: string) => [...pairs.values()].find((p) => (side === base ? p.base : p.head) === name);
    for (const side of [base, head]) {
      for (const name of side.envFiles.keys()) {
        const env = side.layer(name);
        const chain = env ? (env.tier === 'base' ? ['base'] : ['base', env.tier]) : [];
        const keyring = side.keyringPath(env?.value ?? {});
        const reasons = [...chain.filter((t) => tiers.has(t)).map((t) => `environments/tiers/${t}.yaml changed`), ...(keyring && keyrings.has(keyring) ? [`${keyring} changed`] : [])];
        if (reasons.length === 0) continue;
        // Its own pair when its file changed too (a renamed one is under its new name).
        const pair = pairOf(side, name);
        const key = pair ? (pair.head ?? pair.base!) : name;
        const fresh: Omit<Pair, 'because'> = base.envFiles.has(name) && head.envFiles.has(name) ? { status: 'changed', base: name, head: name } : side === base ? { status: 'removed', base: name } : { status: 'added', head: name };
        for (const why of reasons) if (!pairs.get(key)?.because.includes(why)) add(key, pair ?? fresh, why);
      }
    }
  }
  return [...pairs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, p]) => p);
}

export function buildPlan(opts: PlanOptions): Plan {
  const repo = new GitRepo(opts.root);
  const base = repo.resolve(opts.base);
  const head = repo.resolve(opts.head ?? 'HEAD');
  const modelsDir = opts.modelsDir ?? join(opts.root, 'models');
  const trees = { base: repo.tree(base.sha, DIRS), head: repo.tree(head.sha, DIRS) };
  const audit = { base: repo.tree(base.sha, ['audit']), head: repo.tree(head.sha, ['audit']) };
  const auditIds = (t: Tree) => AUDIT_FILES.flatMap((f) => (t.has(f) ? [t.get(f)!] : []));
  const blobs = repo.blobs([...trees.base.values(), ...trees.head.values(), ...auditIds(audit.base), ...auditIds(audit.head)]);
  const auditSide = (t: Tree) => ({ log: t.has(AUDIT_LOG_FILE) ? blobs.get(t.get(AUDIT_LOG_FILE)!)!.toString('utf8') : undefined, workflowKey: t.has(WORKFLOW_KEY_FILE) ? blobs.get(t.get(WORKFLOW_KEY_FILE)!)!.toString('utf8') : undefined });
  const tmp = mkdtempSync(join(tmpdir(), 'smartbot-plan-'));
  try {
    const sides = { base: new Side(join(tmp, 'base'), trees.base, blobs), head: new Side(join(tmp, 'head'), trees.head, blobs) };
    const pairs = affected(repo, base.sha, head.sha, sides.base, sides.head);
    sides.base.validate(pairs.flatMap((p) => (p.base ? [p.base] : [])), modelsDir);
    sides.head.validate(pairs.flatMap((p) => (p.head ? [p.head] : [])), modelsDir);
    const environments = pairs.map((p) => planEnvironment(p, sides.base, sides.head));
    const history = assessAuditHistory(auditSide(audit.base), auditSide(audit.head), [...sides.head.envFiles.keys()].sort());
    return summarize(base, head, environments, history);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function planEnvironment(pair: Pair, baseSide: Side, headSide: Side): EnvironmentPlan {
  const name = pair.head ?? pair.base!;
  const models = { base: pair.base ? baseSide.layer(pair.base) : undefined, head: pair.head ? headSide.layer(pair.head) : undefined };
  const results = { base: pair.base ? baseSide.result(pair.base) : undefined, head: pair.head ? headSide.result(pair.head) : undefined };
  // A side that exists but cannot be layered (YAML or tier errors) has no model to compare; its
  // validation says why.
  const layerable = (pair.base === undefined || models.base) && (pair.head === undefined || models.head);
  const fields = layerable ? diffModels(models.base as Model | undefined, models.head as Model | undefined) : [];

  // Objects: a side that exists but does not validate cannot be rendered, so nothing is compared.
  let objects: ObjectDiff | undefined;
  let objectsNote: string | undefined;
  let prune: PruneReport | undefined;
  const rendered = {
    base: results.base?.config ? baseSide.render(pair.base!, results.base.config) : undefined,
    head: results.head?.config ? headSide.render(pair.head!, results.head.config) : undefined,
  };
  if (results.head && !rendered.head) objectsNote = 'the head does not validate, so its objects are not rendered';
  else if (results.base && !rendered.base) objectsNote = 'the base does not validate, so the objects it deployed are unknown';
  else {
    const compared = compareRenderings(rendered.base, rendered.head);
    objects = compared.diff;
    prune = pruneReport(compared.base, compared.head ?? []);
  }

  const facts = (side: Side, model?: LayeredEnvironment): SideFacts | undefined => {
    if (!model) return undefined;
    const keyringFile = side.keyringPath(model.value);
    const keyring = side.keyring(keyringFile).parsed;
    return { config: model.value, ...(keyringFile ? { keyringFile } : {}), ...(keyring ? { keyring } : {}) };
  };
  const sourceOf = (pointer: string): SourceLine | undefined => {
    for (const m of [models.head, models.base]) {
      const place = m?.places.get(pointer);
      if (place) return { file: place.file, line: place.value.line };
    }
    return undefined;
  };
  const baseFacts = facts(baseSide, models.base);
  const headFacts = facts(headSide, models.head);
  const risks = assess({ ...(baseFacts ? { base: baseFacts } : {}), ...(headFacts ? { head: headFacts } : {}), ...(prune ? { prune } : {}), sourceOf });

  return {
    name,
    status: pair.status,
    ...(pair.status === 'renamed' ? { renamedFrom: pair.base! } : {}),
    because: pair.because,
    fields,
    ...(objects ? { objects } : {}),
    ...(objectsNote ? { objectsNote } : {}),
    ...(prune ? { prune } : {}),
    ...(results.head ? { validation: results.head.validation } : {}),
    risks,
  };
}

const isQuiet = (e: EnvironmentPlan) =>
  e.status === 'changed' &&
  e.fields.length === 0 &&
  e.risks.length === 0 &&
  e.validation?.valid !== false &&
  e.objects !== undefined &&
  e.objects.added.length + e.objects.removed.length + e.objects.changed.length === 0;

function summarize(base: Commit, head: Commit, all: EnvironmentPlan[], history: { flag: RiskFlag; environments: string[] }[]): Plan {
  const environments = all.filter((e) => !isQuiet(e));
  const unchanged = all.filter(isQuiet).map((e) => e.name);
  const risks = new Map<string, PlanRisk>();
  const raise = (f: RiskFlag, env: string) => {
    const key = JSON.stringify([f.id, f.reason, f.source]);
    const r = risks.get(key) ?? { ...f, environments: [] };
    r.environments.push(env);
    risks.set(key, r);
  };
  for (const e of environments) for (const f of e.risks) raise(f, e.name);
  for (const h of history) for (const env of h.environments) raise(h.flag, env);
  // A tier default that reaches several environments: one flag, naming them all, at the first changed line.
  const tierChanges = new Map<string, { envs: string[]; at: SourceLine }>();
  for (const e of environments)
    for (const f of e.fields.filter((f) => f.tierDefault && e.because.includes(`${f.source.file} changed`))) {
      const t = tierChanges.get(f.source.file) ?? { envs: [], at: f.source };
      if (!t.envs.includes(e.name)) t.envs.push(e.name);
      if (f.source.line < t.at.line) t.at = f.source;
      tierChanges.set(f.source.file, t);
    }
  for (const [file, t] of tierChanges) if (t.envs.length >= 2) for (const env of t.envs) raise(flag('tier-ripple', { file, environments: t.envs.length }, t.at), env);
  const list = [...risks.values()].sort((a, b) => Number(b.blocking) - Number(a.blocking) || a.id.localeCompare(b.id));
  return {
    version: 1,
    base,
    head,
    environments,
    unchanged,
    risks: list,
    summary: {
      environments: environments.length,
      invalid: environments.filter((e) => e.validation?.valid === false).length,
      risks: list.length,
      blocking: list.filter((r) => r.blocking).length,
    },
  };
}
