// Step 1 of the pipeline: read one YAML file into a plain value plus a source map from JSON
// pointer to file position, so every later step can say file:line:col. All YAML hazards
// (duplicate keys, tabs, alias bombs, tags, extra documents) become located diagnostics here.
import { readFileSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import { registerSource, report, type Diagnostic, type Position } from '../diagnostics.js';

/** Where a value sits: its key (for maps) and the value itself. */
export interface NodePlace {
  key?: Position;
  value: Position;
}

export interface YamlSource {
  file: string;
  value: unknown;
  /** JSON pointer ("" is the root, "/security/tls/enabled") → place in `file`. */
  places: Map<string, NodePlace>;
}

export type LoadResult = { ok: true; source: YamlSource } | { ok: false; diagnostics: Diagnostic[]; io?: boolean };

/** Expanded-alias budget: far above any real environment, far below a billion laughs. */
export const MAX_ALIAS_NODES = 1000;

export const pointerJoin = (base: string, key: string | number) =>
  `${base}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;

export function loadYamlFile(file: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const at = { file, line: 1, col: 1 };
    if (err.code === 'ENOENT') return { ok: false, io: true, diagnostics: [report('io-missing', { path: file }, at)] };
    return { ok: false, io: true, diagnostics: [report('io-unreadable', { path: file, reason: err.code ?? err.message }, at)] };
  }
  return parseYamlText(file, text);
}

export function parseYamlText(file: string, text: string): LoadResult {
  registerSource(file, text);
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, strict: true, prettyErrors: true });
  const pos = (offset: number): Position => {
    const p = lc.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const at = (offset: number) => ({ file, ...pos(offset) });

  // parseAllDocuments returns an EmptyStream (an array) for a file with no documents.
  const list = Array.isArray(docs) ? (docs as Document.Parsed[]) : [];
  if (list.length === 0) return fail(report('yaml-empty', {}, at(0)));
  if (list.length > 1) {
    const second = list[1]!;
    return fail(report('yaml-multi-document', { count: list.length }, at(second.range[0])));
  }
  const doc = list[0]!;

  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    const where = at(e.pos[0]);
    const detail = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    if (e.code === 'DUPLICATE_KEY') diagnostics.push(report('yaml-duplicate-key', { key: keyAt(text, e.pos[0]) }, where));
    else if (e.code === 'TAB_AS_INDENT') diagnostics.push(report('yaml-tab', {}, where));
    else diagnostics.push(report('yaml-syntax', { detail }, where));
  }
  for (const w of doc.warnings) {
    if (w.code === 'TAG_RESOLVE_FAILED') diagnostics.push(report('yaml-tag', { tag: tagAt(text, w.pos[0]) }, at(w.pos[0])));
    else diagnostics.push(report('yaml-syntax', { detail: w.message.split('\n')[0]! }, at(w.pos[0])));
  }
  if (diagnostics.length) return { ok: false, diagnostics };

  if (doc.contents === null) return fail(report('yaml-empty', {}, at(0)));
  if (!isMap(doc.contents)) {
    const kind = isSeq(doc.contents) ? 'list' : isScalar(doc.contents) ? `scalar (${JSON.stringify(doc.contents.value)})` : 'alias';
    return fail(report('yaml-not-mapping', { kind }, at(doc.contents.range?.[0] ?? 0)));
  }

  // Tags that parse but yield non-plain values (!!binary → Buffer, !!set, !!omap, timestamps).
  const tagged = findNode(doc.contents, (n) => isScalar(n) || isMap(n) || isSeq(n) ? Boolean(n.tag) && !PLAIN_TAGS.has(n.tag!) : false);
  if (tagged) {
    // The node's range starts at its value; the tag is written just before it.
    const start = tagged.range?.[0] ?? 0;
    return fail(report('yaml-tag', { tag: tagged.tag!.replace('tag:yaml.org,2002:', '!!') }, at(Math.max(0, text.lastIndexOf('!', start)))));
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_NODES });
  } catch (e) {
    if (e instanceof ReferenceError) {
      const alias = findNode(doc.contents, (n) => isAlias(n));
      return fail(report('yaml-aliases', { limit: MAX_ALIAS_NODES }, at(alias?.range?.[0] ?? 0)));
    }
    return fail(report('yaml-syntax', { detail: (e as Error).message }, at(0)));
  }

  const places = new Map<string, NodePlace>();
  collectPlaces(doc.contents, '', places, pos, undefined);
  return { ok: true, source: { file, value, places } };
}

const PLAIN_TAGS = new Set(['tag:yaml.org,2002:str', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:bool', 'tag:yaml.org,2002:null', 'tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq']);

const fail = (d: Diagnostic): LoadResult => ({ ok: false, diagnostics: [d] });

/** The plain key text at an offset (duplicate-key errors point at the key). */
function keyAt(text: string, offset: number): string {
  const m = /^["']?([^:"'\n]*)/.exec(text.slice(offset));
  return (m?.[1] ?? '').trim();
}

function tagAt(text: string, offset: number): string {
  const m = /!\S*/.exec(text.slice(offset));
  return m?.[0] ?? '!';
}

function findNode(root: Node, test: (n: Node) => boolean): Node | undefined {
  if (test(root)) return root;
  if (isMap(root)) {
    for (const pair of root.items) {
      for (const n of [pair.key, pair.value]) {
        const hit = n && typeof n === 'object' ? findNode(n as Node, test) : undefined;
        if (hit) return hit;
      }
    }
  } else if (isSeq(root)) {
    for (const item of root.items) {
      const hit = item && typeof item === 'object' ? findNode(item as Node, test) : undefined;
      if (hit) return hit;
    }
  }
  return undefined;
}

function collectPlaces(
  node: unknown,
  pointer: string,
  places: Map<string, NodePlace>,
  pos: (o: number) => Position,
  key: Position | undefined,
): void {
  const n = node as Node | null;
  const start = n?.range?.[0];
  places.set(pointer, { ...(key ? { key } : {}), value: start === undefined ? (key ?? { line: 1, col: 1 }) : pos(start) });
  if (isMap(n)) {
    for (const pair of n.items) {
      const k = pair.key as Node | null;
      const name = isScalar(k) ? String(k.value) : String(k);
      const keyPos = k?.range ? pos(k.range[0]) : undefined;
      collectPlaces(pair.value, pointerJoin(pointer, name), places, pos, keyPos);
    }
  } else if (isSeq(n)) {
    n.items.forEach((item, i) => collectPlaces(item, pointerJoin(pointer, i), places, pos, undefined));
  }
}
