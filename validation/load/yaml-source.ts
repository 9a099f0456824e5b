// Step 1 of the pipeline: read one YAML file into a plain value plus a source map from JSON
// pointer to file position, so every later step can say file:line:col. All YAML hazards
// (duplicate keys, tabs, alias bombs, tags, extra documents, nesting and key floods, keys that
// would reach an object's prototype) become located diagnostics here. Files are read only
// through a FileSource (what belongs to the repository, on disk or in a commit).
import { dirname } from 'node:path';
import jsyaml from 'js-yaml';
import { Composer, isAlias, isMap, isScalar, isSeq, Lexer, LineCounter, Parser, type CST, type Document, type Node } from 'yaml';
import { registerSource, report, type Diagnostic, type Location, type Position } from '../diagnostics.js';
import { dataObject } from './data-object.js';
import { isIoRefusal, RepoFiles, type FileSource } from './repo-file.js';

/** Where a value sits: its key (for maps) and the value itself. */
export interface NodePlace {
  key?: Position;
  value: Position;
  /** Maps merge across layers; lists and scalars replace what lower layers wrote beneath them. */
  kind: 'map' | 'seq' | 'scalar';
}

export interface YamlSource {
  file: string;
  /** As read: for the source line under a caret. */
  text: string;
  value: unknown;
  /** JSON pointer ("" is the root, "/security/tls/enabled") → place in `file`. */
  places: Map<string, NodePlace>;
}

export type LoadResult = { ok: true; source: YamlSource } | { ok: false; diagnostics: Diagnostic[]; io?: boolean };

/** Expanded-alias budget: far above any real environment, far below a billion laughs. */
export const MAX_ALIAS_NODES = 1000;

/** Bounds on one file's shape: an environment nests about 4 levels and states about 100 keys. */
export interface YamlLimits {
  /** Maps and lists inside each other (the yaml library's composer recurses, and overflows near 800). */
  maxDepth: number;
  /** Keys and list items in the whole file, every map and list counted. */
  maxEntries: number;
  /**
   * Lexical tokens (keys, values, punctuation, comments, line breaks): the parser costs ≈ 5 µs
   * each, so this bounds the time any file under the size cap takes (a real environment has
   * about a thousand).
   */
  maxTokens: number;
}
export const YAML_LIMITS: YamlLimits = { maxDepth: 64, maxEntries: 5000, maxTokens: 50_000 };

/** Lexemes that each start one entry (a key's value, a list item, an explicit key, a document). */
const ENTRY_LEXEMES = new Set([':', '-', '?', '---', '...']);

/** Keys that would reach an object's prototype in code that reads the value. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export const pointerJoin = (base: string, key: string | number) => {
  const k = String(key);
  return `${base}/${k.includes('~') || k.includes('/') ? k.replace(/~/g, '~0').replace(/\//g, '~1') : k}`;
};

/**
 * The last few parses, by file name and text: the two sides of a plan hold the same file for
 * most environments (a tier change), and it is parsed once. Results are never changed by
 * their users (layering copies), so sharing them is safe.
 */
export class RecentParses {
  private readonly recent = new Map<string, LoadResult>();
  constructor(private readonly keep = 16) {}

  parse(file: string, text: string): LoadResult {
    const key = `${file}\0${text}`;
    let found = this.recent.get(key);
    if (!found) {
      found = parseYamlText(file, text);
      this.recent.set(key, found);
      if (this.recent.size > this.keep) this.recent.delete(this.recent.keys().next().value!);
    }
    return found;
  }
}

/** Reads `file` through `files` (default: confined to the file's own directory; a refusal is located at 1:1) and parses it. */
export function loadYamlFile(file: string, files: FileSource = new RepoFiles(dirname(file)), within?: string, parses?: RecentParses): LoadResult {
  const read = files.read(file, within);
  if (!read.ok) {
    const { rule, params } = read.refusal;
    // Each refusal's params belong to its rule; TS cannot correlate the union here.
    const d = report(rule as 'io-missing', params as { path: string }, { file, line: 1, col: 1 });
    return { ok: false, io: isIoRefusal(read.refusal), diagnostics: [d] };
  }
  return parses ? parses.parse(file, read.text) : parseYamlText(file, read.text);
}

export function parseYamlText(file: string, text: string, limits: YamlLimits = YAML_LIMITS): LoadResult {
  registerSource(file, text);
  const fast = fastValue(text, limits);
  if (fast === undefined) return parseFully(file, text, limits);
  // The places, needed only to point at a problem, are read in full when first asked for.
  let places: Map<string, NodePlace> | undefined;
  return {
    ok: true,
    source: {
      file,
      text,
      value: fast,
      get places() {
        if (!places) {
          const full = parseFully(file, text, limits);
          places = full.ok ? full.source.places : new Map();
        }
        return places;
      },
    },
  };
}

/** Text up to this size takes the fast path: far under the token limit, whatever it holds. */
const FAST_MAX_CHARS = 16 * 1024;
/**
 * What the fast path leaves to the full one: what js-yaml reads otherwise than the yaml library's
 * YAML 1.2 core schema (0b/0x/0o and signed forms, `-0`, `-.5`, a lone `-`), what only the full
 * path judges (anchors — an alias without one is an error either way —, tags, directives,
 * document markers, tabs, CR, explicit, merge and flow keys, a key near the 1,024-character
 * limit). A quoted string holding one of these costs only time.
 */
const NOT_FAST = /(?:^|[\s,[{])[&!]|[\t\r]|^%|(?:^|[\s:,[{])[-+]?0[box]|(?:^|[\s:,[{])[-+]0|[-+]\.[0-9]|^(?:---|\.\.\.)|\?[ \n]|<<|^[ ]*(?:- +)*[[{]|^[^\n]{1000}|-[ ]*$/m;

class NotFast extends Error {}

/**
 * The common case read fast: js-yaml (≈ 10× faster than the yaml library's composer, which was
 * half of a fleet's validation: 20 against 265 µs an environment file) reads the value, as
 * plain data objects like the full path's. Anything it refuses (a duplicate key, bad
 * indentation), a root that is not a map, a reserved key, or more entries or depth than the
 * limits: undefined, and the full path reads the file and reports what it finds. Both paths are
 * compared on every YAML file of the repository and on generated ones (yaml-fast.test.ts).
 */
export function fastValue(text: string, limits: YamlLimits = YAML_LIMITS): Record<string, unknown> | undefined {
  if (text.length > FAST_MAX_CHARS || NOT_FAST.test(text)) return undefined;
  let raw: unknown;
  try {
    raw = jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA });
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  let entries = 0;
  const copy = (v: unknown, depth: number): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (depth > limits.maxDepth) throw new NotFast();
    if (Array.isArray(v)) {
      if ((entries += v.length) > limits.maxEntries) throw new NotFast();
      return v.map((item) => copy(item, depth + 1));
    }
    const out = dataObject();
    for (const k of Object.keys(v)) {
      if (++entries > limits.maxEntries || RESERVED_KEYS.has(k)) throw new NotFast();
      out[k] = copy((v as Record<string, unknown>)[k], depth + 1);
    }
    return out;
  };
  try {
    return copy(raw, 1) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof NotFast) return undefined;
    throw e;
  }
}

/** The yaml library's full read: the value, a place for every value, and every problem located. */
export function parseFully(file: string, text: string, limits: YamlLimits = YAML_LIMITS): LoadResult {
  const lc = new LineCounter();
  const pos = (offset: number): Position => {
    const p = lc.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const at = (offset: number): Location => ({ file, ...pos(offset) });

  const parsed = parseBounded(text, lc, limits);
  if ('stop' in parsed) {
    const limit = { 'yaml-too-deep': limits.maxDepth, 'yaml-too-many-entries': limits.maxEntries, 'yaml-too-many-tokens': limits.maxTokens }[parsed.stop];
    return fail(report(parsed.stop, { limit }, at(parsed.offset)));
  }
  const list = parsed.docs;
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
    if (e.code === 'TAB_AS_INDENT') diagnostics.push(report('yaml-tab', {}, where));
    else diagnostics.push(report('yaml-syntax', { detail }, where));
  }
  for (const w of doc.warnings) {
    if (w.code === 'TAG_RESOLVE_FAILED') diagnostics.push(report('yaml-tag', { tag: tagAt(text, w.pos[0]) }, at(w.pos[0])));
    else diagnostics.push(report('yaml-syntax', { detail: w.message.split('\n')[0]! }, at(w.pos[0])));
  }
  diagnostics.push(...checkKeys(doc, at, limits));
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
  return { ok: true, source: { file, text, value: built.value, places: built.places } };
}

/**
 * parseAllDocuments, with the nesting depth, the token count and a lower bound of the entry
 * count watched while the text is read: a flood (300,000 list items, or a megabyte of blank
 * lines, take the library 5–7 s) stops at the limit
 * instead of being parsed whole, and nothing deep reaches the composer's recursion. Duplicate
 * keys are left to checkKeys: the library's own check (`uniqueKeys`) compares every key with
 * every other, 10 s for 40,000 keys.
 */
function parseBounded(text: string, lc: LineCounter, limits: YamlLimits): { docs: Document.Parsed[] } | { stop: 'yaml-too-deep' | 'yaml-too-many-entries' | 'yaml-too-many-tokens'; offset: number } {
  const parser = new Parser(lc.addNewLine);
  const tokens: CST.Token[] = [];
  lc.addNewLine(0);
  let entries = 0;
  let lexemes = 0;
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    const offset = parser.offset - lexeme.length;
    if (++lexemes > limits.maxTokens) return { stop: 'yaml-too-many-tokens', offset };
    // The parser's stack holds the document, each open collection and the node being read.
    if (parser.stack.length > limits.maxDepth && parser.stack.filter(isCollection).length > limits.maxDepth) return { stop: 'yaml-too-deep', offset };
    // Each of these lexemes starts one entry, so more of them than the limit is a flood. (Commas
    // count only in flow lists: in a flow map the `:` already counted the entry.)
    const top = parser.stack.at(-1);
    const starts = ENTRY_LEXEMES.has(lexeme) || (lexeme === ',' && top?.type === 'flow-collection' && top.start.source === '[');
    if (starts && ++entries > limits.maxEntries) return { stop: 'yaml-too-many-entries', offset };
  }
  for (const token of parser.end()) tokens.push(token);
  const docs = [...new Composer({ uniqueKeys: false, strict: true }).compose(tokens)] as Document.Parsed[];
  return { docs };
}

const isCollection = (t: CST.Token) => t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection';

const keyName = (k: Node | null) => (isScalar(k) ? String(k.value) : String(k));

/**
 * One pass over every map and list as written (aliases are not followed): duplicate keys,
 * reserved keys and the exact entry count. Keys compare by the name the plain value will hold,
 * so `1:` and `"1":` are duplicates too.
 */
export function checkKeys(doc: Document.Parsed, at: (offset: number) => Location, limits: YamlLimits): Diagnostic[] {
  const out: Diagnostic[] = [];
  let entries = 0;
  const tooMany = (offset: number) => (out.push(report('yaml-too-many-entries', { limit: limits.maxEntries }, at(offset))), false);
  const visit = (node: unknown): boolean => {
    if (isSeq(node)) {
      for (const item of node.items) {
        if (++entries > limits.maxEntries) return tooMany((item as Node | null)?.range?.[0] ?? node.range?.[0] ?? 0);
        if (!visit(item)) return false;
      }
      return true;
    }
    if (!isMap(node)) return true;
    const seen = new Set<string>();
    for (const pair of node.items) {
      const k = pair.key as Node | null;
      const name = keyName(k);
      const offset = k?.range?.[0] ?? node.range?.[0] ?? 0;
      if (++entries > limits.maxEntries) return tooMany(offset);
      if (RESERVED_KEYS.has(name)) out.push(report('yaml-reserved-key', { key: name }, at(offset)));
      else if (seen.has(name)) out.push(report('yaml-duplicate-key', { key: name }, at(offset)));
      seen.add(name);
      if (!visit(pair.value)) return false;
    }
    return true;
  };
  visit(doc.contents);
  return out;
}

const PLAIN_TAGS = new Set(['tag:yaml.org,2002:str', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:bool', 'tag:yaml.org,2002:null', 'tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq']);

const fail = (d: Diagnostic): LoadResult => ({ ok: false, diagnostics: [d] });

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
      // Nothing inherited: a key can only ever be data (reserved names were refused before).
      const out = dataObject();
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
