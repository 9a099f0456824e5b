// The key audit history, audit/key-rotations.jsonl: append-only, one canonical JSON entry per
// line. What `smartbot keys` and the service's admin console agree on, so both give the same
// verdict: the canonical form, parsing a line, and the chain check.
//
// Canonical form (version 2, `"v":2`): every field but `hash` and `sig`, object keys sorted, no
// whitespace, strings as JSON.stringify writes them; the entry's `hash` is the SHA-256 of that
// text, and the committed line is that text with `,"hash":…` (and `,"sig":…`) added before the
// closing brace. A line must be byte-identical to the canonical line of what it parses to: a
// repeated field (JSON readers keep the last copy), a field after `hash`, spacing or a different
// escape is refused, so no byte of a line lies outside what its hash covers. Version 1 (the
// first entries of this repository, no `v`) is the same with a fixed field order instead of
// sorted keys; its lines are held to that form as strictly, and no version 1 entry may follow a
// version 2 one. Entries made by the scheduled rotation are Ed25519-signed (`sig`, over `hash`)
// by the workflow key; once its public half is committed (audit/workflow-key.pub), every entry
// from the seq it names on must be signed.
import { createPrivateKey, createPublicKey, hash as digest, sign, verify, type KeyObject } from 'node:crypto';
import type { Scope } from './keyring-file.js';
import { fingerprint } from './keyring-file.js';

export const GENESIS = '0'.repeat(64);
export const WORKFLOW_KEY_FILE = 'audit/workflow-key.pub';
/** The actor the scheduled rotation writes; verify requires such entries to be signed. */
export const WORKFLOW_ACTOR = 'smartbot-scheduled-rotation';
/** The format `seal` writes. */
export const AUDIT_FORMAT = 2;
/** Longest line read as an entry (entries are under 1 KiB; a reason is at most REASON_MAX_CHARS). */
export const AUDIT_LINE_MAX_CHARS = 64 * 1024;
export const REASON_MAX_CHARS = 1000;

export type AuditAction = 'create' | 'rotate' | 'revoke';
export type KeyKind = 'api-key' | 'jwt';

/** The key an entry creates: an API key by its hash, a JWT signing key by its public half. */
export type NewKey = { name: string; scopes: Scope[]; notBefore: string; expires?: string; sha256: string } | { publicKey: string };

export interface AuditEntry {
  /** The canonical form: 2 (sorted keys); absent on version 1 entries. */
  v?: 2;
  seq: number;
  ts: string;
  env: string;
  action: AuditAction;
  kind: KeyKind;
  keyId: string;
  keyFingerprint: string;
  actor: string;
  reason: string;
  /** The pull request or commit the change was made from. */
  ref: string;
  key?: NewKey;
  /** rotate: the key it replaces, accepted until `until`. */
  retires?: { keyId: string; until: string };
  prevHash: string;
  hash: string;
  sig?: string;
}

export type UnsealedEntry = Omit<AuditEntry, 'v' | 'seq' | 'prevHash' | 'hash' | 'sig'>;

/** Version 1's fixed field order. */
function orderedV1(e: Omit<AuditEntry, 'hash' | 'sig'>): object {
  const key = e.key && ('publicKey' in e.key ? { publicKey: e.key.publicKey } : { name: e.key.name, scopes: e.key.scopes, notBefore: e.key.notBefore, ...(e.key.expires === undefined ? {} : { expires: e.key.expires }), sha256: e.key.sha256 });
  return {
    seq: e.seq,
    ts: e.ts,
    env: e.env,
    action: e.action,
    kind: e.kind,
    keyId: e.keyId,
    keyFingerprint: e.keyFingerprint,
    actor: e.actor,
    reason: e.reason,
    ref: e.ref,
    ...(key ? { key } : {}),
    ...(e.retires ? { retires: { keyId: e.retires.keyId, until: e.retires.until } } : {}),
    prevHash: e.prevHash,
  };
}

/** JSON with every object's keys sorted and no whitespace (the entries hold strings, integers, lists and objects only). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The text the hash covers: the canonical entry without `hash` and `sig`. */
export function hashedText(e: Omit<AuditEntry, 'hash' | 'sig'> & { hash?: string; sig?: string }): string {
  if (e.v === undefined) return JSON.stringify(orderedV1(e));
  const { hash: _hash, sig: _sig, ...rest } = e;
  return canonicalJson(rest);
}
// crypto.hash: one call per line, no Hash object (2–3× faster on short inputs).
const sha256 = (text: string) => digest('sha256', text, 'hex');

/** The committed line: the hashed text with `hash` (and `sig`) added before its closing brace. */
export const entryLine = (e: AuditEntry): string => lineOf(hashedText(e), e);
const lineOf = (body: string, e: Pick<AuditEntry, 'hash' | 'sig'>) => `${body.slice(0, -1)},"hash":${JSON.stringify(e.hash)}${e.sig === undefined ? '' : `,"sig":${JSON.stringify(e.sig)}`}}`;

/** Chains a new entry after `prev` (or the start of the log), signing it when a key is given. */
export function seal(entry: UnsealedEntry, prev: Pick<AuditEntry, 'seq' | 'hash'> | undefined, signingKey?: KeyObject): AuditEntry {
  const chained = { ...entry, v: AUDIT_FORMAT, seq: (prev?.seq ?? 0) + 1, prevHash: prev?.hash ?? GENESIS } as const;
  const hash = sha256(hashedText(chained));
  return { ...chained, hash, ...(signingKey ? { sig: sign(null, Buffer.from(hash), signingKey).toString('hex') } : {}) };
}

export const loadSigningKey = (pem: string) => createPrivateKey(pem);

/**
 * The workflow key file: explanatory text (RFC 7468 allows it outside the PEM block) naming the
 * first seq that must be signed, then the public key. Entries before that seq were written
 * before the key existed.
 */
export interface WorkflowKey {
  key: KeyObject;
  /** Every entry from this seq on must carry a valid signature. */
  fromSeq: number;
}
const FROM_SEQ = /^signed-from-seq: ([1-9]\d{0,8})$/m;

export function formatWorkflowKey(publicKeyPem: string, fromSeq: number): string {
  return `# The smartbot audit workflow key: every entry of audit/key-rotations.jsonl from the seq below on\n# must carry an Ed25519 signature by its private half (the SMARTBOT_AUDIT_SIGNING_KEY secret).\nsigned-from-seq: ${fromSeq}\n${publicKeyPem.trim()}\n`;
}

/** The key and the seq it applies from, or why the file is not a workflow key. */
export function parseWorkflowKey(text: string): WorkflowKey | { problem: string } {
  const from = FROM_SEQ.exec(text);
  if (!from) return { problem: 'it has no "signed-from-seq: N" line (write it with `smartbot keys workflow-key --public-key FILE`)' };
  const pem = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/.exec(text)?.[0];
  if (!pem) return { problem: 'it holds no PEM public key (-----BEGIN PUBLIC KEY-----)' };
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') return { problem: `the key is ${key.asymmetricKeyType ?? 'of an unknown type'}, not Ed25519` };
    return { key, fromSeq: Number(from[1]) };
  } catch (e) {
    return { problem: `the public key does not load (${(e as Error).message})` };
  }
}

/** Whether the entry's signature is the workflow key's over its hash. Async: the checks run on libuv's threads, beside the parsing. */
export function signatureValid(e: AuditEntry, key: KeyObject): Promise<boolean> {
  if (!/^[0-9a-f]{128}$/.test(e.sig ?? '')) return Promise.resolve(false);
  return new Promise((resolve) => verify(null, Buffer.from(e.hash), key, Buffer.from(e.sig!, 'hex'), (err, ok) => resolve(!err && ok)));
}

/**
 * The params of each chain rule (validation/rules.ts words them with these types: declared once,
 * here, because the service's console reports the same problems and may import only contract/).
 */
export interface ChainRuleParams {
  'audit-malformed': { detail: string };
  'audit-not-canonical': { seq: number; detail: string };
  'audit-hash-mismatch': { seq: number };
  'audit-seq-missing': { seq: number; after: number; missing: string };
  'audit-seq-order': { seq: number; after: number; afterLine: number };
  'audit-seq-duplicate': { seq: number; firstLine: number };
  'audit-fork': { seq: number; firstLine: number };
  'audit-prev-hash': { seq: number; prevLine: number };
  'audit-signature': { seq: number; keyFile: string; reason: 'invalid' | 'no-key' | 'unsigned' | 'required'; from?: number };
}
export type ChainRule = keyof ChainRuleParams;

/** A break in the chain: the rule that words it, its params, the 1-based line. */
export type ChainProblem = { [R in ChainRule]: { rule: R; params: ChainRuleParams[R]; line: number } }[ChainRule];

/** A parsed line: the entry, or why it is not one. `hashOk` says whether the line's bytes are the ones its `hash` was made from. */
export type AuditLine = { line: number } & (
  | { entry: AuditEntry; hashOk: boolean }
  | { entry?: undefined; problem: Extract<ChainProblem, { rule: 'audit-malformed' | 'audit-not-canonical' }>; text: string }
);

const HEX64 = /^[0-9a-f]{64}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const str = (v: unknown) => typeof v === 'string' && v.length > 0;
const ACTIONS = new Set(['create', 'rotate', 'revoke']);
const TEXT_FIELDS = ['keyId', 'keyFingerprint', 'actor', 'reason', 'ref'] as const;
const FIELDS = new Set(['v', 'seq', 'ts', 'env', 'action', 'kind', 'keyId', 'keyFingerprint', 'actor', 'reason', 'ref', 'key', 'retires', 'prevHash', 'hash', 'sig']);
const API_KEY_FIELDS = new Set(['name', 'scopes', 'notBefore', 'expires', 'sha256']);
const unknownField = (o: object, known: Set<string>) => Object.keys(o).find((k) => !known.has(k));

/** Why a parsed value is not an audit entry, or undefined. */
function shapeProblem(e: Partial<AuditEntry>): string | undefined {
  const extra = unknownField(e, FIELDS);
  if (extra !== undefined) return `unknown field ${JSON.stringify(extra)}`;
  if (e.v !== undefined && e.v !== AUDIT_FORMAT) return `"v" must be ${AUDIT_FORMAT} (or absent, version 1), got ${JSON.stringify(e.v)}`;
  if (!Number.isSafeInteger(e.seq) || e.seq! < 1) return '"seq" must be a positive integer';
  if (typeof e.ts !== 'string' || !INSTANT.test(e.ts)) return '"ts" must be a UTC instant';
  if (!str(e.env)) return '"env" is missing';
  if (!ACTIONS.has(e.action as string)) return `"action" must be create, rotate or revoke, got ${JSON.stringify(e.action)}`;
  if (e.kind !== 'api-key' && e.kind !== 'jwt') return '"kind" must be api-key or jwt';
  for (const f of TEXT_FIELDS) if (!str(e[f])) return `"${f}" is missing`;
  if (typeof e.prevHash !== 'string' || !HEX64.test(e.prevHash)) return '"prevHash" must be 64 hex digits';
  if (typeof e.hash !== 'string' || !HEX64.test(e.hash)) return '"hash" must be 64 hex digits';
  if (e.sig !== undefined && typeof e.sig !== 'string') return '"sig" must be hex text';
  if ((e.action === 'revoke') !== (e.key === undefined)) return e.action === 'revoke' ? 'a revoke entry creates no key' : `a ${e.action} entry needs the new "key"`;
  if ((e.action === 'rotate') !== (e.retires !== undefined)) return e.action === 'rotate' ? 'a rotate entry names the key it "retires"' : 'only a rotate entry "retires" a key';
  if (e.key) {
    if (typeof e.key !== 'object' || Array.isArray(e.key)) return '"key" must be an object';
    if (('publicKey' in e.key) !== (e.kind === 'jwt')) return `the "key" of a ${e.kind} entry must be ${e.kind === 'jwt' ? '{publicKey}' : '{name, scopes, notBefore, sha256}'}`;
    if ('publicKey' in e.key) {
      if (!str(e.key.publicKey) || Object.keys(e.key).length !== 1) return '"key" must hold the publicKey alone';
    } else {
      const k = e.key as Partial<Extract<NewKey, { sha256: string }>>;
      if (unknownField(k, API_KEY_FIELDS) !== undefined) return `unknown field ${JSON.stringify(unknownField(k, API_KEY_FIELDS))} in "key"`;
      if (!str(k.name) || !Array.isArray(k.scopes) || !k.scopes.every(str) || !str(k.notBefore) || (k.expires !== undefined && !str(k.expires)) || !HEX64.test(k.sha256 ?? ''))
        return '"key" must hold name, scopes, notBefore and sha256';
      if (e.keyFingerprint !== fingerprint(k.sha256!)) return '"keyFingerprint" is not the start of the key\'s sha256';
    }
  }
  if (e.retires && (typeof e.retires !== 'object' || unknownField(e.retires, new Set(['keyId', 'until'])) !== undefined || !str(e.retires.keyId) || !INSTANT.test(e.retires.until ?? '')))
    return '"retires" must hold keyId and until';
  return undefined;
}

/**
 * A field the line holds twice in one object (a JSON reader keeps only the last copy) or after
 * "hash" (the hash does not cover it), or whitespace outside strings; undefined when none. One
 * scan over the line, strings skipped.
 */
function forgedField(raw: string): string | undefined {
  const objects: string[][] = [];
  let whitespace = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < raw.length && raw[j] !== '"') j += raw[j] === '\\' ? 2 : 1;
      let k = j + 1;
      while (raw[k] === ' ' || raw[k] === '\t') k++;
      const keys = objects[objects.length - 1];
      if (raw[k] === ':' && keys) {
        let name: string;
        try {
          name = JSON.parse(raw.slice(i, j + 1)) as string;
        } catch {
          name = raw.slice(i + 1, j);
        }
        if (keys.includes(name)) return `the field ${JSON.stringify(name)} appears twice in one object (a JSON reader keeps only the last copy)`;
        if (objects.length === 1 && keys.includes('hash') && name !== 'sig') return `the field ${JSON.stringify(name)} comes after "hash" (the hash does not cover it)`;
        keys.push(name);
      }
      i = j;
    } else if (c === '{') objects.push([]);
    else if (c === '}') objects.pop();
    else if (c === ' ' || c === '\t' || c === '\r' || c === '\n') whitespace = true;
  }
  return whitespace ? 'it has whitespace outside strings' : undefined;
}

/** Why a line is not the canonical line of the entry it parses to. */
const nonCanonicalReason = (raw: string) => forgedField(raw) ?? 'its fields are not in canonical order, or a value is written differently (escapes, number form)';

const V1_ORDER = ['seq', 'ts', 'env', 'action', 'kind', 'keyId', 'keyFingerprint', 'actor', 'reason', 'ref', 'key', 'retires', 'prevHash'];
const V1_KEY_ORDER = ['name', 'scopes', 'notBefore', 'expires', 'sha256'];
const sameOrder = (o: object, order: readonly string[]) => Object.keys(o).join() === order.filter((k) => k in o).join();
const ascending = (keys: string[]) => keys.every((k, i) => i === 0 || keys[i - 1]! < k);

/** Whether a shape-checked entry's fields (parsed in the line's order) are in its version's canonical order, `hash` and `sig` last. */
function inCanonicalOrder(e: AuditEntry): boolean {
  const keys = Object.keys(e);
  const tail = e.sig === undefined ? 1 : 2;
  if (keys[keys.length - tail] !== 'hash' || (tail === 2 && keys[keys.length - 1] !== 'sig')) return false;
  keys.length -= tail;
  if (e.v === undefined) return keys.join() === V1_ORDER.filter((k) => k in e).join() && (!e.key || 'publicKey' in e.key || sameOrder(e.key, V1_KEY_ORDER)) && (!e.retires || sameOrder(e.retires, ['keyId', 'until']));
  return ascending(keys) && (!e.key || ascending(Object.keys(e.key))) && (!e.retires || ascending(Object.keys(e.retires)));
}

/** Parses one line of the log (1-based `line`). */
export function parseAuditLine(raw: string, line: number): AuditLine {
  const malformed = (detail: string, text = raw): AuditLine => ({ line, text, problem: { rule: 'audit-malformed', params: { detail }, line } });
  if (raw.length > AUDIT_LINE_MAX_CHARS) return malformed(`the line is ${raw.length.toLocaleString('en-US')} characters long, over the ${AUDIT_LINE_MAX_CHARS.toLocaleString('en-US')} a line may hold`, '');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return malformed(raw.trim() === '' ? 'the line is empty' : 'the line is not complete JSON (truncated?)');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return malformed('the line is not a JSON object');
  const entry = value as AuditEntry;
  const problem = shapeProblem(entry);
  if (problem) {
    // A repeated field or one after "hash" is named as such: the shape's complaint (a key whose
    // fingerprint does not match, say) would hide that the line says two things at once.
    const forged = Number.isSafeInteger(entry.seq) ? forgedField(raw) : undefined;
    return forged ? { line, text: raw, problem: { rule: 'audit-not-canonical', params: { seq: entry.seq, detail: forged }, line } } : malformed(problem);
  }
  // The line must be the canonical line of what it parses to, so the hash covers every byte of
  // it: any change — content, order, spacing, a field added or repeated — is refused or a
  // mismatch. Checked without rebuilding the text (100,000 lines verify in seconds): JSON.parse
  // keeps the line's key order, so the line is canonical exactly when that order is the
  // canonical one and JSON.stringify gives the line back byte for byte (a repeated field or a
  // space does not come back).
  if (!inCanonicalOrder(entry) || JSON.stringify(entry) !== raw) return { line, text: raw, problem: { rule: 'audit-not-canonical', params: { seq: entry.seq, detail: nonCanonicalReason(raw) }, line } };
  return { line, entry, hashOk: sha256(`${raw.slice(0, raw.lastIndexOf(',"hash":"'))}}`) === entry.hash };
}

/** At most this many problems are kept (a file of junk lines has one per line); the rest are counted. */
export const MAX_CHAIN_PROBLEMS = 1000;

export interface AuditLog {
  lines: AuditLine[];
  /** Lines that are not entries beyond the first MAX_CHAIN_PROBLEMS: counted, not kept. */
  unkept: number;
}

/** Parses every line of the log. Blank trailing text (the final newline) is not a line. */
export function parseAuditLog(text: string): AuditLog {
  const lines: AuditLine[] = [];
  let broken = 0;
  let unkept = 0;
  let start = 0;
  for (let line = 1; start < text.length; line++) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    const l = parseAuditLine(text.slice(start, stop), line);
    if (l.entry || ++broken <= MAX_CHAIN_PROBLEMS) lines.push(l);
    else unkept++;
    start = stop + 1;
  }
  return { lines, unkept };
}

/** The entries of a log, in order. */
export const entriesOf = (log: AuditLog): AuditEntry[] => log.lines.flatMap((l) => (l.entry ? [l.entry] : []));

export interface ChainVerdict {
  problems: ChainProblem[];
  /** Problems found beyond MAX_CHAIN_PROBLEMS, counted only. */
  omitted: number;
}

/**
 * The chain: every line a canonical entry, hashes matching, seqs in order without gaps or
 * repeats, prevHash linking each to its predecessor, signatures valid and present where the
 * workflow key requires them. Each problem names its rule (validation/rules.ts words it) and line.
 */
export async function checkChain(log: AuditLog, workflowKey: WorkflowKey | undefined, keyFile: string): Promise<ChainVerdict> {
  const lines = log.lines;
  const out: ChainProblem[] = [];
  let omitted = log.unkept;
  const add = (p: ChainProblem) => (out.length < MAX_CHAIN_PROBLEMS ? out.push(p) : omitted++);
  const present = new Set<number>();
  for (const l of lines) if (l.entry) present.add(l.entry.seq);
  /** seq → the first line holding it. */
  const firstLine = new Map<number, AuditLine & { entry: AuditEntry }>();
  let max = 0;
  let maxLine = 0;
  let afterMalformed = false;
  let v2Seen = false;
  const signatures: Promise<void>[] = [];
  for (const l of lines) {
    if (!l.entry) {
      add(l.problem);
      afterMalformed = true;
      continue;
    }
    const e = l.entry;
    if (e.v === undefined && v2Seen) add({ rule: 'audit-not-canonical', params: { seq: e.seq, detail: 'a version 1 entry (no "v") after a version 2 one: entries are written in version 2' }, line: l.line });
    v2Seen ||= e.v !== undefined;
    if (!l.hashOk) add({ rule: 'audit-hash-mismatch', params: { seq: e.seq }, line: l.line });
    const first = firstLine.get(e.seq);
    if (first) {
      // The same seq twice: two branches that each appended after the same entry, or a repeated line.
      const fork = first.entry.hash !== e.hash && first.entry.prevHash === e.prevHash;
      add({ rule: fork ? 'audit-fork' : 'audit-seq-duplicate', params: { seq: e.seq, firstLine: first.line }, line: l.line });
    } else {
      firstLine.set(e.seq, l as AuditLine & { entry: AuditEntry });
      if (e.seq < max) add({ rule: 'audit-seq-order', params: { seq: e.seq, after: max, afterLine: maxLine }, line: l.line });
      else if (e.seq > max + 1 && !afterMalformed) {
        // Missing only if no later line holds them (a later one is reported as out of order),
        // and not right after a broken line (which is reported, and likely held them).
        const gone: number[] = [];
        for (let s = max + 1; s < e.seq && gone.length <= e.seq; s++) if (!present.has(s)) gone.push(s);
        if (gone.length) add({ rule: 'audit-seq-missing', params: { seq: e.seq, after: max, missing: gone.length === 1 ? `seq ${gone[0]} is` : `seq ${gone[0]}–${gone[gone.length - 1]} are` }, line: l.line });
      }
      if (e.seq > max) (max = e.seq), (maxLine = l.line);
    }
    afterMalformed = false;
    const signature = (reason: ChainRuleParams['audit-signature']['reason']) =>
      add({ rule: 'audit-signature', params: { seq: e.seq, keyFile, reason, ...(reason === 'required' ? { from: workflowKey!.fromSeq } : {}) }, line: l.line });
    if (e.sig !== undefined) {
      if (!workflowKey) signature('no-key');
      else signatures.push(signatureValid(e, workflowKey.key).then((ok) => void (ok || signature('invalid'))));
    } else if (workflowKey && e.seq >= workflowKey.fromSeq) signature('required');
    else if (e.actor === WORKFLOW_ACTOR) signature('unsigned');
  }
  // Links follow seq, not position: a reordered line is reported once, above, not at every neighbour.
  for (const l of lines) {
    if (!l.entry || firstLine.get(l.entry.seq) !== l) continue;
    const e = l.entry;
    if (e.seq === 1) {
      if (e.prevHash !== GENESIS) add({ rule: 'audit-prev-hash', params: { seq: 1, prevLine: 0 }, line: l.line });
      continue;
    }
    const before = firstLine.get(e.seq - 1);
    if (before && e.prevHash !== before.entry.hash) add({ rule: 'audit-prev-hash', params: { seq: e.seq, prevLine: before.line }, line: l.line });
  }
  await Promise.all(signatures);
  return { problems: out, omitted };
}

/**
 * API keys (by SHA-256) that lines which do not verify name, and that no verifying line does:
 * a key that appears only in a rewritten line (the console refuses such a key).
 */
export function keysOnlyInBrokenLines({ lines }: AuditLog, problems: readonly ChainProblem[]): Map<string, number> {
  const badLines = new Set(problems.map((p) => p.line));
  const vouched = new Set<string>();
  const named = new Map<string, number>();
  for (const l of lines) {
    if (l.entry && !badLines.has(l.line)) {
      if (l.entry.key && 'sha256' in l.entry.key) vouched.add(l.entry.key.sha256);
      continue;
    }
    const text = l.entry ? entryLine(l.entry) : l.text;
    for (const m of text.matchAll(/"sha256"\s*:\s*"([0-9a-f]{64})"/g)) if (!named.has(m[1]!)) named.set(m[1]!, l.line);
  }
  for (const sha of vouched) named.delete(sha);
  return named;
}
