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
  /** Maps merge across layers; lists and scalars replace what lower layers wrote beneath them. */
  kind: 'map' | 'seq' | 'scalar';
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

export const pointerJoin = (base: string, key: string | number) => {
  const k = String(key);
  return `${base}/${k.includes('~') || k.includes('/') ? k.replace(/~/g, '~0').replace(/\//g, '~1') : k}`;
};

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

  // One walk builds the plain value and the places, checks tags and bounds alias expansion.
  const built = buildValue(doc, pos);
  if ('tag' in built) {
    // A node's range starts at its value; the tag is written just before it.
    const tag = built.tag.tag!.replace('tag:yaml.org,2002:', '!!');
    return fail(report('yaml-tag', { tag }, at(Math.max(0, text.lastIndexOf('!', built.tag.range?.[0] ?? 0)))));
  }
  if ('alias' in built) return fail(report('yaml-aliases', { limit: MAX_ALIAS_NODES }, at(built.alias.range?.[0] ?? 0)));
  return { ok: true, source: { file, value: built.value, places: built.places } };
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

type Built = { value: unknown; places: Map<string, NodePlace> } | { tag: Node } | { alias: Node };

class Stop {
  constructor(readonly result: { tag: Node } | { alias: Node }) {}
}

/**
 * The document as plain data plus a place for every value. Tags other than the core ones
 * (!!binary, !!set, timestamps, custom) stop the walk, as does alias expansion past
 * MAX_ALIAS_NODES (a billion-laughs document). Places under an alias are the anchor's.
 */
function buildValue(doc: Document.Parsed, pos: (o: number) => Position): Built {
  const places = new Map<string, NodePlace>();
  let expanded = 0;
  // `via` is the alias written in the document whose expansion we are inside: the one to blame.
  const walk = (node: unknown, pointer: string, key: Position | undefined, via: Node | undefined): unknown => {
    const n = node as Node | null;
    if (via && ++expanded > MAX_ALIAS_NODES) throw new Stop({ alias: via });
    if (isAlias(n)) return walk(n.resolve(doc), pointer, key ?? (n.range ? pos(n.range[0]) : undefined), via ?? n);
    const start = n?.range?.[0];
    const kind = isMap(n) ? 'map' : isSeq(n) ? 'seq' : 'scalar';
    places.set(pointer, { ...(key ? { key } : {}), value: start === undefined ? (key ?? { line: 1, col: 1 }) : pos(start), kind });
    if (n && n.tag && !PLAIN_TAGS.has(n.tag)) throw new Stop({ tag: n });
    if (isMap(n)) {
      const out: Record<string, unknown> = {};
      for (const pair of n.items) {
        const k = pair.key as Node | null;
        const name = isScalar(k) ? String(k.value) : String(k);
        out[name] = walk(pair.value, pointerJoin(pointer, name), k?.range ? pos(k.range[0]) : undefined, via);
      }
      return out;
    }
    if (isSeq(n)) return n.items.map((item, i) => walk(item, pointerJoin(pointer, i), undefined, via));
    return isScalar(n) ? n.value : null;
  };
  try {
    const value = walk(doc.contents, '', undefined, undefined);
    return { value, places };
  } catch (e) {
    if (e instanceof Stop) return e.result;
    throw e;
  }
}
