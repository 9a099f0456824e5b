// The object-level half of a plan: an environment's rendered files split into objects
// (one per YAML document), secret material redacted, and the two sides compared object by
// object with a unified diff for each changed one.
import { parseAllDocuments, stringify } from 'yaml';
import type { RenderedFile } from '../generators/index.js';
import { unifiedDiff } from './text-diff.js';

export interface PlanObject {
  /** "Deployment smartbot-prod/smart-bot-service": kind, namespace/name. */
  id: string;
  kind: string;
  /** Relative to rendered/<env>/. */
  file: string;
  /** Under kubernetes/: what Argo CD or Flux applies, and prunes. */
  synced: boolean;
  /** The parsed document, secrets included: kept in memory, never printed. */
  value: Record<string, unknown>;
}

export interface ObjectEntry {
  id: string;
  /** rendered/<env>/<file>. */
  file: string;
  /** Secret material was replaced by <redacted …> in what the plan shows. */
  redacted?: boolean;
}

export interface ChangedObject extends ObjectEntry {
  /** Unified diff of the object's YAML, secrets redacted. */
  diff: string;
  /** Changed lines (+ and -), to collapse the biggest diffs first. */
  size: number;
}

export interface ObjectDiff {
  added: ObjectEntry[];
  removed: ObjectEntry[];
  changed: ChangedObject[];
  unchanged: number;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition']);

/** Splits rendered files into objects. kustomization.yaml only lists the others and is skipped. */
export function renderedObjects(files: readonly RenderedFile[], namespace: string): PlanObject[] {
  const objects: PlanObject[] = [];
  for (const f of files) {
    if (f.path.endsWith('/kustomization.yaml')) continue;
    for (const doc of parseAllDocuments(f.text)) {
      const value = doc.toJS() as Record<string, unknown> | null;
      if (!value || typeof value !== 'object') continue;
      const meta = (value.metadata ?? {}) as { name?: string; namespace?: string };
      const synced = f.path.startsWith('kubernetes/');
      let id: string;
      let kind: string;
      if (typeof value.kind === 'string') {
        kind = value.kind;
        const ns = CLUSTER_SCOPED.has(kind) ? undefined : (meta.namespace ?? (synced ? namespace : undefined));
        id = `${kind} ${ns ? `${ns}/` : ''}${meta.name ?? '?'}`;
      } else {
        // docker-compose.yml: one project, named by its `name:`.
        kind = 'ComposeProject';
        id = `compose project ${String(value.name ?? f.path)}`;
      }
      objects.push({ id, kind, file: f.path, synced, value });
    }
  }
  return objects;
}

/** Where objects carry secret material. Every plan output shows these values redacted. */
const SECRET_FIELDS: { holds: (o: PlanObject) => boolean; maps: string[][] }[] = [
  { holds: (o) => o.kind === 'Secret', maps: [['data'], ['stringData']] },
  // The keyring ConfigMap and compose config: API-key hashes and scopes.
  { holds: (o) => o.kind === 'ConfigMap' && mapAt(o.value, ['data'])?.['keyring.json'] !== undefined, maps: [['data']] },
  { holds: (o) => o.kind === 'ComposeProject', maps: [['configs', 'keyring']] },
];

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mapAt(v: unknown, path: string[]): Record<string, unknown> | undefined {
  let cur = v;
  for (const k of path) cur = isMap(cur) ? cur[k] : undefined;
  return isMap(cur) ? cur : undefined;
}

export const isRedacted = (o: PlanObject) => SECRET_FIELDS.some((s) => s.holds(o));

/**
 * The object as the plan shows it: secret values replaced by their size, and on the head side
 * marked "changed" when they differ from the base, so a rotated key still shows as a change.
 */
export function shownText(o: PlanObject, other?: PlanObject): string {
  const rules = SECRET_FIELDS.filter((s) => s.holds(o));
  if (rules.length === 0) return stringify(o.value, { lineWidth: 0 });
  const copy = structuredClone(o.value);
  for (const rule of rules) {
    for (const path of rule.maps) {
      const target = mapAt(copy, path);
      const before = other ? mapAt(other.value, path) : undefined;
      if (!target) continue;
      for (const [k, v] of Object.entries(target)) {
        const text = typeof v === 'string' ? v : JSON.stringify(v);
        const changed = other !== undefined && JSON.stringify(before?.[k]) !== JSON.stringify(v);
        target[k] = `<redacted ${Buffer.byteLength(text ?? '')} bytes${changed ? ', changed' : ''}>`;
      }
    }
  }
  return stringify(copy, { lineWidth: 0 });
}

const entry = (env: string, o: PlanObject): ObjectEntry => ({ id: o.id, file: `rendered/${env}/${o.file}`, ...(isRedacted(o) ? { redacted: true } : {}) });

/** Objects added, removed and changed between two renderings (matched by id). */
export function diffObjects(base: { env: string; objects: PlanObject[] } | undefined, head: { env: string; objects: PlanObject[] } | undefined): ObjectDiff {
  const before = new Map((base?.objects ?? []).map((o) => [o.id, o]));
  const after = new Map((head?.objects ?? []).map((o) => [o.id, o]));
  const out: ObjectDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const [id, o] of after) {
    const b = before.get(id);
    if (!b) {
      out.added.push(entry(head!.env, o));
      continue;
    }
    const diff = unifiedDiff(shownText(b), shownText(o, b), { from: `base/rendered/${base!.env}/${b.file}`, to: `head/rendered/${head!.env}/${o.file}` });
    // Redacted values that differ are marked "changed", so equal text means equal objects.
    if (diff === '') out.unchanged++;
    else out.changed.push({ ...entry(head!.env, o), diff, size: diff.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l)).length });
  }
  for (const [id, o] of before) if (!after.has(id)) out.removed.push(entry(base!.env, o));
  const byId = (a: ObjectEntry, b: ObjectEntry) => a.id.localeCompare(b.id);
  out.added.sort(byId), out.removed.sort(byId), out.changed.sort(byId);
  return out;
}
