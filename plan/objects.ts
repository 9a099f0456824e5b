// The object-level half of a plan: an environment's rendered files split into objects
// (one per YAML document), secret material redacted, and the two sides compared object by
// object with a unified diff for each changed one. Files rendered byte-identical on both sides
// are only counted, not parsed: most of a plan's objects are unchanged.
import { isMap as isYamlMap, isNode, isScalar, parse, parseDocument, type Document } from 'yaml';
import type { RenderedFile } from '../generators/index.js';
import { unifiedDiff } from './text-diff.js';
import { BlockYaml } from './yaml-blocks.js';

export interface PlanObject {
  /** "Deployment smartbot-prod/smart-bot-service": kind, namespace/name. */
  id: string;
  kind: string;
  /** Relative to rendered/<env>/. */
  file: string;
  /** Under kubernetes/: what Argo CD or Flux applies, and prunes. */
  synced: boolean;
  /** The document as rendered (without the generated-file header). */
  text: string;
  /** The file line the document starts at. */
  line: number;
  /** The parsed document, secrets included (parsed on first use): never printed. */
  readonly value: Record<string, unknown>;
  readonly doc: Document.Parsed;
  /** Its lines, to find a value without parsing (yaml-blocks.ts). */
  readonly blocks: BlockYaml;
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

export interface Rendering {
  env: string;
  namespace: string;
  files: RenderedFile[];
}

/** The kind plan gives an environment's element of an ApplicationSet (it has no kind of its own). */
export const APPSET_ELEMENT = 'ApplicationSetElement';
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition']);
const isKustomization = (f: RenderedFile) => f.path.endsWith('/kustomization.yaml');
/** Argo CD Application or Flux objects: they decide what the sync engine deletes. */
const isBootstrap = (f: RenderedFile) => !f.path.startsWith('kubernetes/') && !f.path.startsWith('compose/');

/** A top-level or metadata scalar as the templates write it: plain, "double" or 'single' quoted. */
function scalar(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const t = raw.trim();
  if (t.startsWith('"')) return JSON.parse(t) as string;
  if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  return t;
}

/**
 * kind, name and namespace read from the document's own lines (the templates write them at the
 * top level and under `metadata:`), so unchanged objects need no YAML parse; a document they do
 * not match is parsed instead.
 */
function identify(text: string): { kind?: string | undefined; name?: string | undefined; namespace?: string | undefined } {
  const meta = /^metadata:\n((?: {2}.*\n?)*)/m.exec(text)?.[1] ?? '';
  const simple = { kind: scalar(/^kind: *(.+)$/m.exec(text)?.[1]), name: scalar(/^ {2}name: *(.+)$/m.exec(meta)?.[1]), namespace: scalar(/^ {2}namespace: *(.+)$/m.exec(meta)?.[1]) };
  // No top-level kind at all: not a Kubernetes object (docker-compose.yml).
  if (!simple.kind || simple.name) return simple;
  const v = (parseDocument(text).toJS() ?? {}) as { kind?: unknown; name?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
  return { kind: str(v.kind), name: str(v.metadata?.name) ?? str(v.name), namespace: str(v.metadata?.namespace) };
}

/** Splits rendered files into objects. kustomization.yaml only lists the others and is skipped. */
export function renderedObjects(files: readonly RenderedFile[], namespace: string): PlanObject[] {
  const objects: PlanObject[] = [];
  for (const f of files) {
    if (isKustomization(f)) continue;
    const synced = f.path.startsWith('kubernetes/');
    let line = 1;
    for (const chunk of f.text.split(/^---\n/m)) {
      // The generated-file header is a comment before the first document.
      const text = chunk.replace(/^(#.*\n)+/, '');
      const start = line + (chunk.length - text.length === 0 ? 0 : chunk.slice(0, chunk.length - text.length).split('\n').length - 1);
      line += chunk.split('\n').length; // the chunk's lines, and the --- after it
      if (text.trim() === '') continue;
      const found = identify(text);
      let kind: string;
      let id: string;
      if (found.kind) {
        kind = found.kind;
        const ns = CLUSTER_SCOPED.has(kind) ? undefined : (found.namespace ?? (synced ? namespace : undefined));
        id = `${kind} ${ns ? `${ns}/` : ''}${found.name ?? '?'}`;
      } else if (/^argocd\/appset-[^/]+\.yaml$/.test(f.path)) {
        // An element of a cluster's ApplicationSet: the Application it generates, by name.
        kind = APPSET_ELEMENT;
        id = `ApplicationSet element ${scalar(/^name: *(.+)$/m.exec(text)?.[1]) ?? f.path}`;
      } else {
        // docker-compose.yml: one project, named by its top-level `name:`.
        kind = 'ComposeProject';
        id = `compose project ${scalar(/^name: *(.+)$/m.exec(text)?.[1]) ?? f.path}`;
      }
      let doc: Document.Parsed | undefined;
      let value: Record<string, unknown> | undefined;
      let blocks: BlockYaml | undefined;
      objects.push({
        id,
        kind,
        file: f.path,
        synced,
        text,
        line: start,
        get doc() {
          return (doc ??= parseDocument(text));
        },
        get value() {
          return (value ??= (this.doc.toJS() ?? {}) as Record<string, unknown>);
        },
        get blocks() {
          return (blocks ??= new BlockYaml(text));
        },
      });
    }
  }
  return objects;
}

const documentCount = (f: RenderedFile) => (isKustomization(f) ? 0 : f.text.split(/^---\n/m).filter((c) => c.replace(/^(#.*\n)+/, '').trim() !== '').length);

/** Where objects carry secret material. Every plan output shows these values redacted. */
const SECRET_FIELDS: { holds: (o: PlanObject) => boolean; maps: string[][] }[] = [
  { holds: (o) => o.kind === 'Secret', maps: [['data'], ['stringData']] },
  // The keyring ConfigMap and compose config: API-key hashes and scopes.
  { holds: (o) => o.kind === 'ConfigMap' && (mapEntries(o, ['data'])?.some((e) => e.key === 'keyring.json') ?? mapAt(o.value, ['data'])?.['keyring.json'] !== undefined), maps: [['data']] },
  { holds: (o) => o.kind === 'ComposeProject', maps: [['configs', 'keyring']] },
];

/**
 * Values derived from others, shown as what they are: a checksum differs in every environment
 * and says nothing a reader can check, only whether it changed (which restarts pods).
 */
const DERIVED_VALUES: { line: RegExp; shown: string }[] = [{ line: /^( +smartbot\.dev\/config-checksum: )(.+)$/gm, shown: 'config checksum' }];

/** The entries of a block mapping at `path`, from the object's lines; undefined when only a parse can tell. */
function mapEntries(o: PlanObject, path: string[]): { key: string; start: number; end: number }[] | undefined {
  const at = o.blocks.locate(path);
  if (!at) return o.text.includes(`${path.at(-1)!}:`) ? undefined : [];
  // A flow map or a scalar where a map was expected: parse.
  if (at.valueStart <= o.blocks.lines[at.line]!.end) return undefined;
  return o.blocks.entries(at.firstLine + 1, at.lastLine)?.map((e) => ({ key: e.key, start: e.valueStart, end: e.valueEnd }));
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mapAt(v: unknown, path: string[]): Record<string, unknown> | undefined {
  let cur = v;
  for (const k of path) cur = isMap(cur) ? cur[k] : undefined;
  return isMap(cur) ? cur : undefined;
}

export const isRedacted = (o: PlanObject) => SECRET_FIELDS.some((s) => s.holds(o));

interface SecretValue {
  /** data.password, configs.keyring.content */
  key: string;
  value: string;
  /** Where the value is written in the object's text. */
  start: number;
  end: number;
}

/**
 * A scalar's value from its text, for the common forms rendered files use: a literal block
 * (`|`, `|-`), a plain or quoted one-line scalar. Anything else: undefined (the caller parses).
 */
export function scalarText(raw: string): string | undefined {
  const block = /^\|([-+]?)[ \t]*\n/.exec(raw);
  if (block) {
    const lines = raw.slice(block[0].length).replace(/\n$/, '').split('\n');
    const indent = /^ */.exec(lines.find((l) => l.trim() !== '') ?? '')![0].length;
    if (indent === 0 || lines.some((l) => l.trim() !== '' && !l.startsWith(' '.repeat(indent)))) return undefined;
    const body = lines.map((l) => l.slice(indent)).join('\n').replace(/\n+$/, '');
    if (block[1] === '+') return undefined;
    return block[1] === '-' ? body : `${body}\n`;
  }
  if (raw.includes('\n')) return undefined;
  if (raw.startsWith('"')) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      return undefined;
    }
  }
  if (raw.startsWith("'")) return raw.endsWith("'") ? raw.slice(1, -1).replace(/''/g, "'") : undefined;
  return /^[^#&*!|>%@`{[\]}]/.test(raw) && !/ #|: /.test(raw) ? raw.trim() : undefined;
}

const secretsFound = new WeakMap<PlanObject, SecretValue[]>();

/** The secret values an object holds, located in its text: from its lines, or from a parse when they cannot tell. Once per object. */
function secretsOf(o: PlanObject): SecretValue[] {
  let found = secretsFound.get(o);
  if (!found) secretsFound.set(o, (found = findSecrets(o)));
  return found;
}

function findSecrets(o: PlanObject): SecretValue[] {
  const found: SecretValue[] = [];
  for (const rule of SECRET_FIELDS) {
    if (!rule.holds(o)) continue;
    for (const path of rule.maps) {
      const entries = mapEntries(o, path);
      if (entries) {
        for (const e of entries) {
          const raw = o.text.slice(e.start, e.end);
          const v = scalarText(raw) ?? (parse(`v: ${raw}`) as { v?: unknown } | null)?.v;
          found.push({ key: [...path, e.key].join('.'), value: typeof v === 'string' ? v : raw, start: e.start, end: e.end });
        }
        continue;
      }
      const map = o.doc.getIn(path, true);
      if (!isYamlMap(map)) continue;
      for (const pair of map.items) {
        const v = pair.value;
        if (!isNode(v) || !v.range) continue;
        found.push({ key: [...path, String(isScalar(pair.key) ? pair.key.value : pair.key)].join('.'), value: isScalar(v) ? String(v.value) : String(v), start: v.range[0], end: v.range[1] });
      }
    }
  }
  return found;
}

/**
 * The object as the plan shows it: its rendered text, with each secret value replaced by its
 * size, marked "changed" on the head side when it differs from the base, so a rotated key
 * still shows as a change without showing either key.
 */
export function shownText(o: PlanObject, other?: PlanObject): string {
  const secrets = secretsOf(o);
  let text = secrets.length === 0 ? o.text : redact(o, secrets, other);
  for (const d of DERIVED_VALUES) {
    if (text.search(d.line) === -1) continue;
    const was = other && new Map([...other.text.matchAll(d.line)].map((m) => [m[1]!, m[2]!]));
    text = text.replace(d.line, (_, key: string, value: string) => `${key}<${d.shown}${was && was.get(key) !== value ? ', changed' : ''}>`);
  }
  return text;
}

function redact(o: PlanObject, secrets: SecretValue[], other?: PlanObject): string {
  const before = other ? new Map(secretsOf(other).map((s) => [s.key, s.value])) : undefined;
  let text = o.text;
  for (const s of secrets.sort((a, b) => b.start - a.start)) {
    const changed = before !== undefined && before.get(s.key) !== s.value;
    // A block scalar's range ends after its last line break; keep the line break.
    const eol = text.slice(s.start, s.end).endsWith('\n') ? '\n' : '';
    text = `${text.slice(0, s.start)}<redacted ${Buffer.byteLength(s.value)} bytes${changed ? ', changed' : ''}>${eol}${text.slice(s.end)}`;
  }
  return text;
}

const entry = (env: string, o: PlanObject): ObjectEntry => ({ id: o.id, file: `rendered/${env}/${o.file}`, ...(isRedacted(o) ? { redacted: true } : {}) });

export interface Comparison {
  diff: ObjectDiff;
  /** The objects of files that differ, plus the bootstrap objects: what pruneReport needs. */
  base?: PlanObject[];
  head?: PlanObject[];
}

/**
 * Objects added, removed and changed between two renderings, matched by id. A file with the
 * same path and bytes on both sides holds the same objects: counted, not parsed. When the
 * base's bootstrap object disappears every base object matters to the prune list, so all are parsed.
 */
export function compareRenderings(base: Rendering | undefined, head: Rendering | undefined): Comparison {
  const headText = new Map((head?.files ?? []).map((f) => [f.path, f.text]));
  const same = new Set((base?.files ?? []).filter((f) => !isBootstrap(f) && headText.get(f.path) === f.text).map((f) => f.path));
  const baseBoot = base && renderedObjects(base.files.filter(isBootstrap), base.namespace);
  const headBoot = head && renderedObjects(head.files.filter(isBootstrap), head.namespace);
  const headBootIds = new Set((headBoot ?? []).map((o) => o.id));
  if (baseBoot?.some((o) => !headBootIds.has(o.id))) same.clear();
  const parse = (r: Rendering | undefined, boot: PlanObject[] | undefined) => r && [...boot!, ...renderedObjects(r.files.filter((f) => !isBootstrap(f) && !same.has(f.path)), r.namespace)];
  const objects = { base: parse(base, baseBoot), head: parse(head, headBoot) };

  const before = new Map((objects.base ?? []).map((o) => [o.id, o]));
  const after = new Map((objects.head ?? []).map((o) => [o.id, o]));
  const diff: ObjectDiff = { added: [], removed: [], changed: [], unchanged: (base?.files ?? []).filter((f) => same.has(f.path)).reduce((n, f) => n + documentCount(f), 0) };
  for (const [id, o] of after) {
    const b = before.get(id);
    if (!b) {
      diff.added.push(entry(head!.env, o));
      continue;
    }
    const text = shownText(b);
    const next = shownText(o, b);
    // Redacted values that differ are marked "changed", so equal text means equal objects.
    if (text === next) diff.unchanged++;
    else {
      const d = unifiedDiff(text, next, { from: `base/rendered/${base!.env}/${b.file}`, to: `head/rendered/${head!.env}/${o.file}`, fromLine: b.line, toLine: o.line });
      diff.changed.push({ ...entry(head!.env, o), diff: d, size: d.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l)).length });
    }
  }
  for (const [id, o] of before) if (!after.has(id)) diff.removed.push(entry(base!.env, o));
  const byId = (a: ObjectEntry, b: ObjectEntry) => a.id.localeCompare(b.id);
  diff.added.sort(byId), diff.removed.sort(byId), diff.changed.sort(byId);
  return { diff, ...(objects.base ? { base: objects.base } : {}), ...(objects.head ? { head: objects.head } : {}) };
}
