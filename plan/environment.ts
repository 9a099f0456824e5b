// One environment planned: each side read from its commit (GitFiles), validated and layered in
// one pass (EnvironmentValidator), rendered in memory, and the two compared: fields, objects,
// what the sync engine deletes, which pods restart, the head's validation and the risks. Every
// value a reader sees is masked by the one secret rule and every secret field redacted here, so
// no output form can show one. Nothing of the two renderings is kept once it is compared.
import type { SmartbotEnvironment } from '../contract/environment.js';
import { parseKeyring, type KeyringFile } from '../contract/keyring-file.js';
import { environmentFile, tierFile } from '../contract/paths.js';
import { renderEnvironment } from '../generators/index.js';
import type { LayeredEnvironment } from '../validation/load/layers.js';
import { maskSecrets, maskValue } from '../validation/policy/secrets.js';
import type { EnvironmentResult, EnvironmentValidator, LoadedEnvironment } from '../validation/validate.js';
import { assess, type SideFacts } from './assess.js';
import type { GitFiles } from './git-files.js';
import type { OwnNames } from './group.js';
import { diffModels, type FieldChange, type SourceLine } from './model-diff.js';
import { compareRenderings, type ObjectDiff, type Rendering } from './objects.js';
import { pruneReport, type PruneReport } from './prune.js';
import { podRestarts } from './restarts.js';
import type { EnvironmentChange, EnvironmentStatus, HeadValidation } from './types.js';

/** One side (base or head) of a plan. */
export class PlanSide {
  private readonly keyrings = new Map<string, KeyringFile | undefined>();

  constructor(
    readonly files: GitFiles,
    readonly validator: EnvironmentValidator,
    /** Environment name → its file in this commit (environments/<env>.yaml or .yml). */
    readonly envFiles: ReadonlyMap<string, string>,
  ) {}

  keyringText(path: string | undefined): string | undefined {
    if (!path) return undefined;
    const read = this.files.read(path);
    return read.ok ? read.text : undefined;
  }

  /** The keyring parsed once per run (a fleet shares a few). */
  keyring(path: string | undefined): KeyringFile | undefined {
    if (!path) return undefined;
    if (!this.keyrings.has(path)) {
      const text = this.keyringText(path);
      let parsed: KeyringFile | undefined;
      try {
        parsed = text === undefined ? undefined : parseKeyring(text);
      } catch {
        parsed = undefined;
      }
      this.keyrings.set(path, parsed);
    }
    return this.keyrings.get(path);
  }

  render(name: string, config: SmartbotEnvironment): Rendering {
    const files = renderEnvironment({ name, source: environmentFile(name), config, keyringJson: this.keyringText(config.security.keyring.file) ?? '' });
    return { env: name, namespace: config.sync.namespace, files };
  }
}

/** An environment a change may reach, and through which files. */
export interface Pair {
  status: EnvironmentStatus;
  base?: string;
  head?: string;
  /** Its own file's change (added, deleted, renamed, changed); empty when only a tier or keyring may reach it. */
  because: string[];
}

/** The tiers and keyrings the change touches: they reach every environment that uses them. */
export interface Reach {
  tiers: ReadonlySet<string>;
  keyrings: ReadonlySet<string>;
}

export type Planned = { kind: 'unreached' } | { kind: 'quiet'; name: string } | { kind: 'changed'; change: EnvironmentChange; own: OwnNames };

const keyringPath = (config: { security?: { keyring?: { file?: unknown } } } | undefined): string | undefined => {
  const file = config?.security?.keyring?.file;
  return typeof file === 'string' ? file : undefined;
};

const namespaceOf = (env: LayeredEnvironment | undefined) => {
  const ns = (env?.value.sync as { namespace?: unknown } | undefined)?.namespace;
  return typeof ns === 'string' ? ns : undefined;
};

/** Why a tier or keyring change reaches this environment, on either side. */
function reasons(loaded: (LoadedEnvironment | undefined)[], reach: Reach): string[] {
  const out: string[] = [];
  for (const l of loaded) {
    const env = l?.layered;
    if (!env) continue;
    for (const t of env.tier === 'base' ? ['base'] : ['base', env.tier]) if (reach.tiers.has(t)) out.push(`${tierFile(t)} changed`);
    const keyring = keyringPath(env.value);
    if (keyring && reach.keyrings.has(keyring)) out.push(`${keyring} changed`);
  }
  return out;
}

function headValidation(r: EnvironmentResult): HeadValidation {
  const diagnostics = r.diagnostics.map((d) => ({ ...d, message: maskSecrets(d.message), fix: maskSecrets(d.fix), ...(d.source === undefined ? {} : { source: maskSecrets(d.source) }) }));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return { valid: errors === 0, errors, warnings: diagnostics.length - errors, diagnostics };
}

const masked = (f: FieldChange): FieldChange => ({
  ...f,
  ...('before' in f ? { before: maskValue(f.before, f.pointer) } : {}),
  ...('after' in f ? { after: maskValue(f.after, f.pointer) } : {}),
});

const isQuiet = (c: EnvironmentChange) =>
  c.status === 'changed' &&
  c.fields.length === 0 &&
  c.risks.length === 0 &&
  c.validation?.valid !== false &&
  c.objects !== undefined &&
  c.objects.added.length + c.objects.removed.length + c.objects.changed.length === 0;

export function planEnvironment(pair: Pair, sides: { base: PlanSide; head: PlanSide }, reach: Reach): Planned {
  const name = pair.head ?? pair.base!;
  const loaded = {
    base: pair.base !== undefined ? sides.base.validator.load(sides.base.envFiles.get(pair.base)!) : undefined,
    head: pair.head !== undefined ? sides.head.validator.load(sides.head.envFiles.get(pair.head)!) : undefined,
  };
  const because = [...new Set([...pair.because, ...reasons([loaded.base, loaded.head], reach)])];
  if (because.length === 0) return { kind: 'unreached' };

  const results = { base: loaded.base && sides.base.validator.check(loaded.base), head: loaded.head && sides.head.validator.check(loaded.head) };
  const models = { base: loaded.base?.layered, head: loaded.head?.layered };
  // A side that exists but cannot be layered (YAML or tier errors) has no model to compare; its validation says why.
  const layerable = (pair.base === undefined || models.base) && (pair.head === undefined || models.head);
  const fields = layerable ? diffModels(models.base, models.head).map(masked) : [];

  // Objects: a side that exists but does not validate cannot be rendered, so nothing is compared.
  let objects: ObjectDiff | undefined;
  let objectsNote: string | undefined;
  let prune: PruneReport | undefined;
  let restarts: EnvironmentChange['restarts'] = [];
  const configs = { base: results.base?.config, head: results.head?.config };
  // Rendering is a function of the name, the merged model and the keyring: the same inputs on
  // both sides (an environment a tier change reaches but overrides) render the same objects.
  const sameInputs =
    pair.base === pair.head &&
    configs.base !== undefined &&
    configs.head !== undefined &&
    fields.length === 0 &&
    sides.base.keyringText(configs.base.security.keyring.file) === sides.head.keyringText(configs.head.security.keyring.file);
  if (results.head && !configs.head) objectsNote = 'the head does not validate, so its objects are not rendered';
  else if (results.base && !configs.base) objectsNote = 'the base does not validate, so the objects it deployed are unknown';
  else if (sameInputs) objects = { added: [], removed: [], changed: [], unchanged: -1 };
  else {
    const rendered = { base: configs.base && sides.base.render(pair.base!, configs.base), head: configs.head && sides.head.render(pair.head!, configs.head) };
    const compared = compareRenderings(rendered.base, rendered.head);
    objects = { ...compared.diff, changed: compared.diff.changed.map((c) => ({ ...c, diff: maskSecrets(c.diff) })) };
    prune = pruneReport(compared.base, compared.head ?? []);
    restarts = podRestarts(compared.base, compared.head);
  }

  const facts = (side: PlanSide, model?: LayeredEnvironment): SideFacts | undefined => {
    if (!model) return undefined;
    const keyringFile = keyringPath(model.value);
    const keyring = side.keyring(keyringFile);
    return { config: model.value, ...(keyringFile ? { keyringFile } : {}), ...(keyring ? { keyring } : {}) };
  };
  const sourceOf = (pointer: string): SourceLine | undefined => {
    for (const m of [models.head, models.base]) {
      const place = m && (m.place ? m.place(pointer) : m.places.get(pointer));
      if (place) return { file: place.file, line: place.value.line };
    }
    return undefined;
  };
  const baseFacts = facts(sides.base, models.base);
  const headFacts = facts(sides.head, models.head);
  const risks = assess({ ...(baseFacts ? { base: baseFacts } : {}), ...(headFacts ? { head: headFacts } : {}), ...(prune ? { prune } : {}), fields, restarts, sourceOf }).map((r) => ({ ...r, reason: maskSecrets(r.reason) }));

  const change: EnvironmentChange = {
    name,
    status: pair.status,
    ...(pair.status === 'renamed' ? { renamedFrom: pair.base! } : {}),
    because,
    fields,
    ...(objects ? { objects } : {}),
    ...(objectsNote ? { objectsNote } : {}),
    ...(prune ? { prune } : {}),
    restarts,
    ...(results.head ? { validation: headValidation(results.head) } : {}),
    risks,
  };
  if (isQuiet(change)) return { kind: 'quiet', name };
  // Same inputs, yet shown (a risk, or an invalid head): count its objects from one rendering.
  if (objects?.unchanged === -1) objects.unchanged = compareRenderings(undefined, sides.head.render(pair.head!, configs.head!)).diff.added.length;
  return { kind: 'changed', change, own: { name, renamedFrom: pair.status === 'renamed' ? pair.base : undefined, namespaces: [namespaceOf(models.base), namespaceOf(models.head)] } };
}
