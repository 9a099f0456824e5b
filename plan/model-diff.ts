// The field-level half of a plan: the merged model (tiers + environment file) of both sides
// compared value by value. Layering keeps where each value was written, so every change names
// the file and line it comes from, and whether it is a tier default.
import { isTierFile } from '../contract/paths.js';
import { isPlainObject, placeOf, type LayeredEnvironment } from '../validation/load/layers.js';
import { pointerJoin } from '../validation/load/yaml-source.js';

export interface SourceLine {
  /** Repository-relative: environments/prod.yaml, environments/tiers/base.yaml. */
  file: string;
  line: number;
}

export interface FieldChange {
  /** Dotted: monitoring.alerts.p99LatencySeconds.threshold. */
  path: string;
  /** JSON pointer into the merged model. */
  pointer: string;
  /** Absent: the field is not set on that side. */
  before?: unknown;
  after?: unknown;
  /** Where the head value is written; for a field that is gone, where the base value was. */
  source: SourceLine;
  /** The value comes from a tier file, not the environment file. */
  tierDefault: boolean;
}

/** A layered environment whose file names are already repository-relative. */
export type Model = Pick<LayeredEnvironment, 'value' | 'places' | 'file' | 'place'>;


const dotted = (pointer: string) =>
  pointer
    .slice(1)
    .split('/')
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');

/**
 * Changes between two merged models. Maps are compared key by key; lists and scalars as whole
 * values, as they replace each other when layered.
 */
export function diffModels(base: Model | undefined, head: Model | undefined): FieldChange[] {
  const changes: FieldChange[] = [];
  const walk = (pointer: string, a: unknown, b: unknown) => {
    if ((isPlainObject(a) || a === undefined) && (isPlainObject(b) || b === undefined) && (a !== undefined || b !== undefined)) {
      const keys = [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].sort();
      for (const k of keys) walk(pointerJoin(pointer, k), (a as Record<string, unknown> | undefined)?.[k], (b as Record<string, unknown> | undefined)?.[k]);
      return;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const side = b !== undefined ? head! : base!;
    const at = placeOf(side, pointer);
    changes.push({
      path: dotted(pointer),
      pointer,
      ...(a === undefined ? {} : { before: a }),
      ...(b === undefined ? {} : { after: b }),
      source: { file: at.file, line: at.line },
      tierDefault: isTierFile(at.file),
    });
  };
  // A deleted environment has no fields left to review (its objects and prune list tell).
  if (!head) return [];
  walk('', base?.value, head.value);
  // A new environment: what its own file sets, not every tier default.
  return base ? changes : changes.filter((c) => !c.tierDefault);
}

/** A value as a reviewer reads it: plain words bare, other strings quoted, lists in brackets. */
export function showValue(v: unknown): string {
  if (v === undefined) return '(unset)';
  // Quoted when it has spaces or symbols, or would read as a number, boolean or null.
  if (typeof v === 'string') return /^[\w./:@+*-]+$/.test(v) && !Number.isFinite(Number(v)) && !/^(true|false|null)$/i.test(v) ? v : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(showValue).join(', ')}]`;
  if (isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `${k}: ${showValue(x)}`).join(', ')}}`;
  return String(v);
}
