// The key audit history, audit/key-rotations.jsonl: append-only, one canonical JSON entry per
// action. Each entry's `hash` is the SHA-256 of its canonical form without `hash` and `sig`,
// `prevHash` included, so editing, deleting, reordering or inserting a line breaks the chain.
// Entries made by the scheduled rotation are also Ed25519-signed (`sig`, over `hash`) by the
// workflow key, whose public half is committed as audit/workflow-key.pub.
import { createPrivateKey, createPublicKey, hash as digest, sign, verify, type KeyObject } from 'node:crypto';
import type { Scope } from './keyring-file.js';
import { fingerprint } from './keyring-file.js';

export const GENESIS = '0'.repeat(64);
export const WORKFLOW_KEY_FILE = 'audit/workflow-key.pub';
/** The actor the scheduled rotation writes; verify requires such entries to be signed. */
export const WORKFLOW_ACTOR = 'smartbot-scheduled-rotation';

export type AuditAction = 'create' | 'rotate' | 'revoke';
export type KeyKind = 'api-key' | 'jwt';

/** The key an entry creates: an API key by its hash, a JWT signing key by its public half. */
export type NewKey = { name: string; scopes: Scope[]; notBefore: string; expires?: string; sha256: string } | { publicKey: string };

export interface AuditEntry {
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

export type UnsealedEntry = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash' | 'sig'>;

/** Fixed field order (this, not JSON key sorting, is the canonical form; `hash` and `sig` last). */
function ordered(e: Omit<AuditEntry, 'hash' | 'sig'>): object {
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

/** The text the hash covers: the canonical entry without `hash` and `sig`. */
export const hashedText = (e: Omit<AuditEntry, 'hash' | 'sig'>) => JSON.stringify(ordered(e));
// crypto.hash: one call per line, no Hash object (2–3× faster on short inputs).
const sha256 = (text: string) => digest('sha256', text, 'hex');

/** The committed line: the hashed text with `hash` (and `sig`) appended. */
export function entryLine(e: AuditEntry): string {
  const body = hashedText(e);
  return `${body.slice(0, -1)},"hash":${JSON.stringify(e.hash)}${e.sig === undefined ? '' : `,"sig":${JSON.stringify(e.sig)}`}}`;
}

/** Chains a new entry after `prev` (or the start of the log), signing it when a key is given. */
export function seal(entry: UnsealedEntry, prev: Pick<AuditEntry, 'seq' | 'hash'> | undefined, signingKey?: KeyObject): AuditEntry {
  const chained = { ...entry, seq: (prev?.seq ?? 0) + 1, prevHash: prev?.hash ?? GENESIS };
  const hash = sha256(hashedText(chained));
  return { ...chained, hash, ...(signingKey ? { sig: sign(null, Buffer.from(hash), signingKey).toString('hex') } : {}) };
}

export const loadSigningKey = (pem: string) => createPrivateKey(pem);
export const loadWorkflowKey = (pem: string) => createPublicKey(pem);
/** Whether the entry's signature is the workflow key's over its hash. Async: the checks run on libuv's threads, beside the parsing. */
export function signatureValid(e: AuditEntry, key: KeyObject): Promise<boolean> {
  if (!/^[0-9a-f]{128}$/.test(e.sig ?? '')) return Promise.resolve(false);
  return new Promise((resolve) => verify(null, Buffer.from(e.hash), key, Buffer.from(e.sig!, 'hex'), (err, ok) => resolve(!err && ok)));
}

/** A parsed line: the entry, or why it is not one. `hashOk` says whether the line's bytes are the ones its `hash` was made from. */
export type AuditLine = { line: number; text: string } & ({ entry: AuditEntry; hashOk: boolean } | { entry?: undefined; problem: string });

const HEX64 = /^[0-9a-f]{64}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const str = (v: unknown) => typeof v === 'string' && v.length > 0;
const ACTIONS = new Set(['create', 'rotate', 'revoke']);
const TEXT_FIELDS = ['keyId', 'keyFingerprint', 'actor', 'reason', 'ref'] as const;

/** Why a parsed value is not an audit entry, or undefined. */
function shapeProblem(e: Partial<AuditEntry>): string | undefined {
  if (!Number.isSafeInteger(e.seq) || e.seq! < 1) return '"seq" must be a positive integer';
  if (typeof e.ts !== 'string' || !INSTANT.test(e.ts)) return '"ts" must be a UTC instant';
  if (!str(e.env)) return '"env" is missing';
  if (!ACTIONS.has(e.action as string)) return `"action" must be create, rotate or revoke, got ${JSON.stringify(e.action)}`;
  if (e.kind !== 'api-key' && e.kind !== 'jwt') return '"kind" must be api-key or jwt';
  for (const f of TEXT_FIELDS) if (!str(e[f])) return `"${f}" is missing`;
  if (typeof e.prevHash !== 'string' || !HEX64.test(e.prevHash)) return '"prevHash" must be 64 hex digits';
  if (typeof e.hash !== 'string' || !HEX64.test(e.hash)) return '"hash" must be 64 hex digits';
  if ((e.action === 'revoke') !== (e.key === undefined)) return e.action === 'revoke' ? 'a revoke entry creates no key' : `a ${e.action} entry needs the new "key"`;
  if ((e.action === 'rotate') !== (e.retires !== undefined)) return e.action === 'rotate' ? 'a rotate entry names the key it "retires"' : 'only a rotate entry "retires" a key';
  if (e.key) {
    if (('publicKey' in e.key) !== (e.kind === 'jwt')) return `the "key" of a ${e.kind} entry must be ${e.kind === 'jwt' ? '{publicKey}' : '{name, scopes, notBefore, sha256}'}`;
    if ('publicKey' in e.key) {
      if (!str(e.key.publicKey)) return '"key" must hold the publicKey';
    } else {
      if (!str(e.key.name) || !Array.isArray(e.key.scopes) || !str(e.key.notBefore) || !HEX64.test(e.key.sha256 ?? '')) return '"key" must hold name, scopes, notBefore and sha256';
      if (e.keyFingerprint !== fingerprint(e.key.sha256)) return '"keyFingerprint" is not the start of the key\'s sha256';
    }
  }
  if (e.retires && (!str(e.retires.keyId) || !INSTANT.test(e.retires.until ?? ''))) return '"retires" must hold keyId and until';
  return undefined;
}

/** Parses every line of the log. Blank trailing text (the final newline) is not a line. */
export function parseAuditLog(text: string): AuditLine[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((raw, i): AuditLine => {
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return { line, text: raw, problem: raw.trim() === '' ? 'the line is empty' : 'the line is not complete JSON (truncated?)' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { line, text: raw, problem: 'the line is not a JSON object' };
    const entry = value as AuditEntry;
    const problem = shapeProblem(entry);
    if (problem) return { line, text: raw, problem };
    // A written line is its hashed text with `hash` (and `sig`) spliced in before the closing
    // brace, so the hash is checked on the bytes themselves: no re-serialising 100,000 entries,
    // and any change to a line — content, order or spacing — is a mismatch. (`,"hash":"` cannot
    // occur inside a JSON string: its quotes would be escaped.)
    const at = raw.lastIndexOf(',"hash":"');
    return { line, text: raw, entry, hashOk: sha256(`${raw.slice(0, at)}}`) === entry.hash };
  });
}

/** A break in the chain: the rule (validation/rules.ts) that words it, its params, the 1-based line. */
export type ChainProblem = { line: number } & (
  | { rule: 'audit-malformed'; params: { detail: string } }
  | { rule: 'audit-hash-mismatch'; params: { seq: number } }
  | { rule: 'audit-seq-missing'; params: { seq: number; after: number; missing: string } }
  | { rule: 'audit-seq-order'; params: { seq: number; after: number; afterLine: number } }
  | { rule: 'audit-seq-duplicate' | 'audit-fork'; params: { seq: number; firstLine: number } }
  | { rule: 'audit-prev-hash'; params: { seq: number; prevLine: number } }
  | { rule: 'audit-signature'; params: { seq: number; keyFile: string; reason: 'invalid' | 'no-key' | 'unsigned' } }
);

/**
 * The chain: every line an entry, hashes matching, seqs in order without gaps or repeats,
 * prevHash linking each to its predecessor, signatures valid. Each problem names the rule of
 * validation/rules.ts (audit-*) that words it, with that rule's params, and the line it is on.
 */
export async function chainProblems(lines: readonly AuditLine[], workflowKeyPem: string | undefined, keyFile: string): Promise<ChainProblem[]> {
  const out: ChainProblem[] = [];
  const report = <R extends ChainProblem['rule']>(rule: R, params: Extract<ChainProblem, { rule: R }>['params'], line: number) => ({ rule, params, line }) as ChainProblem;
  let workflowKey: ReturnType<typeof loadWorkflowKey> | undefined;
  try {
    workflowKey = workflowKeyPem === undefined ? undefined : loadWorkflowKey(workflowKeyPem);
  } catch {
    // Not a public key: as good as none (each signed entry says so).
  }
  const present = new Set<number>();
  for (const l of lines) if (l.entry) present.add(l.entry.seq);
  /** seq → the first line holding it. */
  const firstLine = new Map<number, AuditLine & { entry: AuditEntry }>();
  let max = 0;
  let maxLine = 0;
  let afterMalformed = false;
  const signatures: Promise<void>[] = [];
  for (const l of lines) {
    if (!l.entry) {
      out.push(report('audit-malformed', { detail: l.problem }, l.line));
      afterMalformed = true;
      continue;
    }
    const e = l.entry;
    if (!l.hashOk) out.push(report('audit-hash-mismatch', { seq: e.seq }, l.line));
    const first = firstLine.get(e.seq);
    if (first) {
      // The same seq twice: two branches that each appended after the same entry, or a repeated line.
      const fork = first.entry.hash !== e.hash && first.entry.prevHash === e.prevHash;
      out.push(report(fork ? 'audit-fork' : 'audit-seq-duplicate', { seq: e.seq, firstLine: first.line }, l.line));
    } else {
      firstLine.set(e.seq, l as AuditLine & { entry: AuditEntry });
      if (e.seq < max) out.push(report('audit-seq-order', { seq: e.seq, after: max, afterLine: maxLine }, l.line));
      else if (e.seq > max + 1 && !afterMalformed) {
        // Missing only if no later line holds them (a later one is reported as out of order),
        // and not right after a broken line (which is reported, and likely held them).
        const gone: number[] = [];
        for (let s = max + 1; s < e.seq; s++) if (!present.has(s)) gone.push(s);
        if (gone.length) out.push(report('audit-seq-missing', { seq: e.seq, after: max, missing: gone.length === 1 ? `seq ${gone[0]} is` : `seq ${gone[0]}–${gone[gone.length - 1]} are` }, l.line));
      }
      if (e.seq > max) (max = e.seq), (maxLine = l.line);
    }
    afterMalformed = false;
    if (e.sig !== undefined) {
      if (!workflowKey) out.push(report('audit-signature', { seq: e.seq, keyFile, reason: 'no-key' }, l.line));
      else signatures.push(signatureValid(e, workflowKey).then((ok) => void (ok || out.push(report('audit-signature', { seq: e.seq, keyFile, reason: 'invalid' }, l.line)))));
    } else if (e.actor === WORKFLOW_ACTOR) out.push(report('audit-signature', { seq: e.seq, keyFile, reason: 'unsigned' }, l.line));
  }
  // Links follow seq, not position: a reordered line is reported once, above, not at every neighbour.
  for (const l of lines) {
    if (!l.entry || firstLine.get(l.entry.seq) !== l) continue;
    const e = l.entry;
    if (e.seq === 1) {
      if (e.prevHash !== GENESIS) out.push(report('audit-prev-hash', { seq: 1, prevLine: 0 }, l.line));
      continue;
    }
    const before = firstLine.get(e.seq - 1);
    if (before && e.prevHash !== before.entry.hash) out.push(report('audit-prev-hash', { seq: e.seq, prevLine: before.line }, l.line));
  }
  await Promise.all(signatures);
  return out;
}

