// The environment's keys: its keyring file is a valid version 2 keyring with no plaintext key
// in it (nor in the audit log's lines for this environment), no active key is past the maximum
// key age (a warning 14 days before), and its JWT signing keys have one active key.
// (Whether the keyring exists is settings.ts's `keyring` rule.)
import { API_KEY_SHAPE, AUDIT_LOG_FILE, KeyringError, keyState, lineOfKey, parseKeyring, type KeyringFile } from '../../contract/keyring-file.js';
import { repoPath } from '../load/repo-file.js';
import type { Policy } from './policy.js';
import { secretShape } from './secrets.js';

const DAY_MS = 86_400_000;
/** `validate` warns this many days before a key reaches the maximum age. */
export const KEY_AGE_WARNING_DAYS = 14;

/** Plaintext keys, or strings shaped like one, in a committed text file: 1-based line and what it looks like. */
export function findPlaintextKeys(text: string): { line: number; what: string }[] {
  const out: { line: number; what: string }[] = [];
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const lineAt = (index: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  // One pass per shape over the whole text (a 100,000-line audit log stays fast); the entropy
  // test is left out here because hashes and signatures are random by design.
  const seen = new Set<number>();
  const scan = (re: RegExp, what: (m: string) => string | undefined) => {
    for (const m of text.matchAll(re)) {
      const line = lineAt(m.index);
      const why = what(m[0]);
      if (why && !seen.has(line)) seen.add(line), out.push({ line, what: why });
    }
  };
  scan(API_KEY_ANYWHERE, () => 'a plaintext API key (sb_…)');
  scan(SECRET_ANYWHERE, (m) => secretShape(m, true));
  return out.sort((a, b) => a.line - b.line);
}

const API_KEY_ANYWHERE = new RegExp(API_KEY_SHAPE.source, 'g');
/** Candidates for the secret scanner's shapes (sk-…, tokens, JWTs, private keys), anywhere in a line; secretShape decides. */
const SECRET_ANYWHERE = /\b(sk-|gh[pousr]_|github_pat_|xox[abprs]-|AKIA|AIza|eyJ)[A-Za-z0-9_.-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY-----/g;

type KeyringDigest = { doc?: KeyringFile; text: string; error?: KeyringError; plaintext: { line: number; what: string }[] };
function digestKeyring(text: string): KeyringDigest {
  const plaintext = findPlaintextKeys(text);
  try {
    return { doc: parseKeyring(text), text, plaintext };
  } catch (e) {
    if (e instanceof KeyringError) return { text, error: e, plaintext };
    throw e;
  }
}

/** The audit log's plaintext findings, with the environment each line names (by its text, so a broken line still counts). */
function auditFindings(text: string): { line: number; what: string; env: string | undefined }[] {
  const lines = text.split('\n');
  return findPlaintextKeys(text).map((f) => ({ ...f, env: /"env":"([^"]*)"/.exec(lines[f.line - 1] ?? '')?.[1] }));
}

/**
 * Digested once per file and run: the run's reader (ctx.files) returns the same object for the
 * same file, so a thousand environments sharing a keyring and the audit log parse them once.
 */
const digests = new WeakMap<object, unknown>();
const digestOf = <T>(read: { text: string }, make: (text: string) => T): T => {
  if (!digests.has(read)) digests.set(read, make(read.text));
  return digests.get(read) as T;
};

export const keyringContents: Policy = {
  rules: ['keyring-invalid', 'keyring-plaintext', 'key-age-near', 'key-age-exceeded'],
  reads: ['/security/keyring'],
  check({ config, report, root, files, name, holdsUntil }) {
    const { file, maxKeyAgeDays } = config.security.keyring;
    const at = '/security/keyring/file';
    // An audit log over the reader's size cap is left to `keys verify`, which reads logs of any length.
    const audit = files.read(repoPath(root, AUDIT_LOG_FILE));
    if (audit.ok) for (const f of digestOf(audit, auditFindings)) if (f.env === name) report('keyring-plaintext', { file: AUDIT_LOG_FILE, line: f.line, what: f.what }, at);
    const read = files.read(repoPath(root, file));
    if (!read.ok) return; // settings.ts's `keyring` reports why
    const keyring = digestOf(read, digestKeyring);
    for (const f of keyring.plaintext) report('keyring-plaintext', { file, line: f.line, what: f.what }, at);
    if (keyring.error) return report('keyring-invalid', { file, line: keyring.error.line, detail: keyring.error.detail }, at);
    if (maxKeyAgeDays === undefined) return;
    const now = Date.now();
    for (const key of keyring.doc!.keys) {
      const due = Date.parse(key.created) + maxKeyAgeDays * DAY_MS;
      // Whatever the key's state now (it may become valid later), its warning and its error start then.
      if (key.status === 'active') holdsUntil(due - KEY_AGE_WARNING_DAYS * DAY_MS, 'key-age-near'), holdsUntil(due, 'key-age-exceeded');
      if (key.status !== 'active' || keyState(key, now) !== 'valid') continue;
      const place = { id: key.id, file: `${file}:${lineOfKey(keyring.text, key.id)}`, maxDays: maxKeyAgeDays, due: new Date(due).toISOString().slice(0, 10) };
      if (now >= due) report('key-age-exceeded', place, at);
      else if (now >= due - KEY_AGE_WARNING_DAYS * DAY_MS) report('key-age-near', { ...place, days: Math.ceil((due - now) / DAY_MS) }, at);
    }
  },
};

export const jwtKeys: Policy = {
  rules: ['jwt-active-key', 'jwt-retires-at', 'jwt-kid-duplicate'],
  reads: ['/security/jwt'],
  check({ config, report }) {
    const keys = config.security.jwt?.keys;
    if (!keys) return;
    const active = keys.filter((k) => k.status === 'active').length;
    if (active !== 1) report('jwt-active-key', { count: active }, '/security/jwt/keys', 'key');
    const seen = new Set<string>();
    keys.forEach((k, i) => {
      if (seen.has(k.kid)) report('jwt-kid-duplicate', { kid: k.kid }, `/security/jwt/keys/${i}/kid`);
      seen.add(k.kid);
      if ((k.status === 'retiring') !== (k.retiresAt !== undefined)) report('jwt-retires-at', { kid: k.kid, status: k.status }, `/security/jwt/keys/${i}/status`);
    });
  },
};
