// Step 2: layer an environment over its tier defaults.
//   environments/tiers/base.yaml → environments/tiers/<tier>.yaml (when tier ≠ base) → the env file.
// Merge rules: maps merge key by key, everything else (scalars and lists) replaces.
// Provenance is kept per JSON pointer, so a merged value is reported where it was written.
import { dirname, join } from 'node:path';
import { environmentNameFromFile } from '../../contract/paths.js';
import { report, type Diagnostic, type Location } from '../diagnostics.js';
import { closest } from '../text/suggest.js';
import { dataObject } from './data-object.js';
import { RepoFiles, type FileSource } from './repo-file.js';
import { loadYamlFile, type NodePlace, type YamlSource } from './yaml-source.js';

export interface Placed extends NodePlace {
  file: string;
}

export interface LayeredEnvironment {
  name: string;
  file: string;
  tier: string;
  /** The merged value that the schema and everything downstream see. */
  value: Record<string, unknown>;
  /** JSON pointer → where that merged value was written. */
  places: Map<string, Placed>;
  /**
   * Where one pointer's merged value was written, as `places` says, without reading the
   * environment file's places when the value comes from a tier (a tier change's field diff, a
   * warning about a tier default): that read is a full YAML parse, 0.4 ms a file.
   */
  place?(pointer: string): Placed | undefined;
  /** Every file that contributed, lowest layer first (policy scans each). */
  layers: YamlSource[];
}

export const TIERS = ['base', 'enterprise'] as const;

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge: maps merge, lists and scalars from `top` replace. Pure; inputs are not changed. */
export function mergeValues(bottom: unknown, top: unknown): unknown {
  if (!isPlainObject(bottom) || !isPlainObject(top)) return top;
  // Nothing inherited, like the loaded values (data-object.ts).
  const out: Record<string, unknown> = Object.assign(dataObject(), bottom);
  for (const [k, v] of Object.entries(top)) out[k] = Object.hasOwn(bottom, k) ? mergeValues(bottom[k], v) : v;
  return out;
}

/** Provenance under the same rules: a replaced subtree drops the lower layer's places. */
function mergePlaces(into: Map<string, Placed>, layer: YamlSource): void {
  for (const [pointer, place] of layer.places) {
    const below = into.get(pointer);
    // Places beneath a lower list, or beneath a lower map that this layer replaces, are gone.
    if (below && (below.kind === 'seq' || (below.kind === 'map' && place.kind !== 'map'))) {
      const prefix = `${pointer}/`;
      for (const p of into.keys()) if (p.startsWith(prefix)) into.delete(p);
    }
    into.set(pointer, { file: layer.file, ...place });
  }
}

export function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Position of a pointer, falling back to its nearest placed ancestor (aliases, missing keys). */
export function placeOf(env: Pick<LayeredEnvironment, 'places' | 'file' | 'place'>, pointer: string, prefer: 'key' | 'value' = 'value'): Location {
  let p = pointer;
  for (;;) {
    const place = env.place ? env.place(p) : env.places.get(p);
    if (place) {
      const at = (prefer === 'key' && place.key) || place.value;
      return { file: place.file, ...at };
    }
    if (p === '') return { file: env.file, line: 1, col: 1 };
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

/** A tier's layers merged (base, then the tier): value and places, computed once per run. */
interface TierChain {
  layers: YamlSource[];
  value: unknown;
  places: Map<string, Placed>;
}

/**
 * Loads tier files once per run. A broken tier file is reported once, not per environment,
 * unless `everyTime` (a plan groups environments by what they report, so each carries it).
 */
export class TierCache {
  private readonly files = new Map<string, { source?: YamlSource; diagnostics: Diagnostic[]; reported: boolean }>();
  private readonly chains = new Map<string, TierChain>();
  constructor(
    private readonly tiersDir: string,
    /** Tier files are read like every repository file: regular, inside the root (default: the repository holding environments/tiers/), capped. */
    private readonly repo: FileSource = new RepoFiles(dirname(dirname(tiersDir))),
    private readonly everyTime = false,
  ) {}

  load(tier: string): { source?: YamlSource; diagnostics: Diagnostic[] } {
    let entry = this.files.get(tier);
    if (!entry) {
      const r = loadYamlFile(join(this.tiersDir, `${tier}.yaml`), this.repo);
      entry = r.ok ? { source: r.source, diagnostics: tierModels(tier, r.source), reported: false } : { diagnostics: r.diagnostics, reported: false };
      this.files.set(tier, entry);
    }
    const diagnostics = entry.reported && !this.everyTime ? [] : entry.diagnostics;
    entry.reported = true;
    return { ...(entry.source ? { source: entry.source } : {}), diagnostics };
  }

  /** base, then the tier itself when it is not base. */
  chain(tier: string): { chain?: TierChain; diagnostics: Diagnostic[] } {
    const cached = this.chains.get(tier);
    if (cached) return { chain: cached, diagnostics: [] };
    // A chain that failed is looked up again: load() decides whether its problems are repeated.
    const diagnostics: Diagnostic[] = [];
    const chain: TierChain = { layers: [], value: {}, places: new Map() };
    for (const t of tier === 'base' ? ['base'] : ['base', tier]) {
      const r = this.load(t);
      diagnostics.push(...r.diagnostics);
      if (!r.source) return { diagnostics };
      chain.layers.push(r.source);
      // A tier's models are reported (tier-model) and left out: each environment keeps its own.
      chain.value = mergeValues(chain.value, Object.fromEntries(Object.entries(r.source.value as Record<string, unknown>).filter(([k]) => !(MODEL_KEYS as readonly string[]).includes(k))));
      mergePlaces(chain.places, r.source);
    }
    this.chains.set(tier, chain);
    return { chain, diagnostics };
  }
}

/** Models are each environment's own: a tier that set them would merge into every environment's `model` (or give it both shapes). */
const MODEL_KEYS = ['model', 'models', 'defaultModel'] as const;
function tierModels(tier: string, source: YamlSource): Diagnostic[] {
  const top = source.value as Record<string, unknown>;
  return MODEL_KEYS.filter((key) => Object.hasOwn(top, key)).map((key) => {
    const place = source.places.get(`/${key}`)!;
    return report('tier-model', { key, tier }, { file: source.file, ...(place.key ?? place.value) });
  });
}

/**
 * Whether the environment file decides where `pointer`'s merged value was written: it writes
 * that value, or replaces a subtree holding it (a scalar or list, or a map over a tier's
 * non-map). Otherwise the tiers' places hold it, as mergePlaces would leave them.
 */
function ownWrites(own: unknown, tiers: unknown, pointer: string): boolean {
  if (pointer === '') return true;
  let o = own;
  let t = tiers;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isPlainObject(o) || !Object.hasOwn(o, key)) return false;
    o = o[key];
    t = isPlainObject(t) ? t[key] : undefined;
    if (!isPlainObject(o) || !isPlainObject(t)) return true;
  }
  return true;
}

/** A written value in a message; maps have no prototype, so String() would throw on them. */
const shown = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

export type LayerResult = { env?: LayeredEnvironment; diagnostics: Diagnostic[] };

export function layerEnvironment(source: YamlSource, tiers: TierCache): LayerResult {
  const top = source.value as Record<string, unknown>;
  const name = environmentNameFromFile(source.file);
  const tier = top.tier;
  if (tier === undefined) return { diagnostics: [report('tier-missing', {}, { file: source.file, line: 1, col: 1 })] };
  if (typeof tier !== 'string' || !(TIERS as readonly string[]).includes(tier)) {
    const place = source.places.get('/tier')!;
    const suggestion = typeof tier === 'string' ? closest(tier, TIERS) : undefined;
    return {
      diagnostics: [
        report('tier-unknown', { tier: shown(tier), known: TIERS.join(', '), ...(suggestion ? { suggestion } : {}) }, { file: source.file, ...place.value }),
      ],
    };
  }

  const { chain, diagnostics } = tiers.chain(tier);
  if (!chain) return { diagnostics };
  const value = mergeValues(chain.value, source.value) as Record<string, unknown>;
  // Merged when first asked for: only a problem to point at needs them (most environments have none).
  let places: Map<string, Placed> | undefined;
  const env: LayeredEnvironment = {
    name,
    file: source.file,
    tier,
    value,
    get places() {
      if (!places) {
        places = new Map(chain.places);
        mergePlaces(places, source);
        // The root is the environment file itself, whatever the tiers said.
        places.set('', { file: source.file, value: { line: 1, col: 1 }, kind: 'map' });
      }
      return places;
    },
    place(pointer) {
      return places || ownWrites(source.value, chain.value, pointer) ? env.places.get(pointer) : chain.places.get(pointer);
    },
    layers: [...chain.layers, source],
  };
  return { env, diagnostics };
}
