// `smartbot keys verify`: recomputes the audit chain, then replays it and compares the result
// with every committed keyring and JWT key list. Each problem is a diagnostic at the line it
// is on (catalogue rules audit-*, keyring-*), so CI shows exactly which line was touched.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_KEY_SHAPE, AUDIT_LOG_FILE, formatKeyring } from '../../contract/keyring-file.js';
import { registerSource, report, sortDiagnostics, type Diagnostic } from '../../validation/diagnostics.js';
import { RepoFiles } from '../../validation/load/repo-file.js';
import { findPlaintextKeys } from '../../validation/policy/keyring.js';
import type { RuleParams } from '../../validation/rules.js';
import { secretShape } from '../../validation/policy/secrets.js';
import { chainProblems, parseAuditLog, WORKFLOW_KEY_FILE, type AuditEntry, type AuditLine } from '../../contract/audit-log.js';
import { environmentNames, envKeySettings, keyringPath } from './environment.js';
import { emptyKeys, replay, type EnvKeys } from './replay.js';
import type { JwtKey } from '../../contract/environment.js';

export interface VerifyResult {
  diagnostics: Diagnostic[];
  /** Entries read, of which signed. */
  entries: number;
  signed: number;
  /** Environments whose keys were compared with the replay. */
  compared: string[];
  /** The replayed keys of every environment in the log (for the commands that write keyrings). */
  replayed?: Map<string, EnvKeys>;
  /** The last entry, to chain the next one after. */
  last?: AuditEntry;
}

/** The chain (contract/audit-log.ts checks it; the service's console shows the same verdict), as diagnostics at their lines. */
export async function checkChain(lines: readonly AuditLine[], file: string, workflowKeyPem: string | undefined, keyFile: string): Promise<Diagnostic[]> {
  // Each problem's rule and params are the catalogue's (validation/rules.ts audit-*); TS cannot correlate the union.
  return (await chainProblems(lines, workflowKeyPem, keyFile)).map((p) => report(p.rule, p.params as RuleParams<'audit-malformed'>, { file, line: p.line, col: 1 }));
}

/** An entry's reason is free text: a random-looking word in it may be a pasted key (the entropy test applies there). */
function freeTextSecrets(lines: readonly AuditLine[], known: Set<number>): { line: number; what: string }[] {
  const out: { line: number; what: string }[] = [];
  for (const l of lines) {
    if (!l.entry || known.has(l.line)) continue;
    const why = secretShape(l.entry.reason);
    if (why) out.push({ line: l.line, what: why });
  }
  return out;
}

/**
 * How a committed keyring line differs from the replay's: the fields that differ when both are
 * key entries, else the lines cut short. Never a plaintext key (a CI log is no place for one),
 * and no source line under the diagnostic for the same reason.
 */
function lineDifference(committed: string | undefined, replayed: string | undefined): [string, string] {
  const redact = (s: string) => s.replace(new RegExp(API_KEY_SHAPE.source, 'g'), 'sb_…');
  const clip = (s: string | undefined) => (s === undefined ? '(nothing)' : redact(s.trim()).slice(0, 100) || '(an empty line)');
  const entry = (s: string | undefined) => {
    try {
      const v = JSON.parse((s ?? '').trim().replace(/,$/, '')) as Record<string, unknown>;
      return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.id === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  };
  const [x, y] = [entry(committed), entry(replayed)];
  if (!x || !y || x.id !== y.id) return [x ? `key ${redact(String(x.id))}` : clip(committed), y ? `key ${y.id as string}` : clip(replayed)];
  const fields = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((f) => JSON.stringify(x[f]) !== JSON.stringify(y[f]));
  const show = (v: Record<string, unknown>) => fields.map((f) => `"${redact(f)}": ${v[f] === undefined ? '(absent)' : redact(JSON.stringify(v[f]))}`).join(', ');
  return [`key ${y.id as string} ${show(x)}`, show(y)];
}

const jwtLine = (k: JwtKey) => `${k.kid} ${k.status}${k.retiresAt ? ` until ${k.retiresAt}` : ''}`;

/** The audit log and keyrings may be long (100,000 entries are 55 MB), but are still read only as regular files inside the repository. */
export const KEY_FILES_MAX_BYTES = 2 ** 30;

/** Reads the log, checks the chain, replays it and compares every environment (or `only`). */
export async function verifyKeys(root: string, only?: string[]): Promise<VerifyResult> {
  const file = join(root, AUDIT_LOG_FILE);
  const keyFile = join(root, WORKFLOW_KEY_FILE);
  // A pull request from a fork may make any of these a link to a secret, /dev/zero or a FIFO:
  // read them as the validator reads keyrings; a missing one is empty.
  const files = new RepoFiles(root, KEY_FILES_MAX_BYTES);
  const refused: Diagnostic[] = [];
  const readOrEmpty = (path: string): string | undefined => {
    const read = files.read(path);
    if (read.ok) return read.text;
    if (read.refusal.rule !== 'io-missing') refused.push(report(read.refusal.rule as 'io-unreadable', read.refusal.params as RuleParams<'io-unreadable'>, { file: path, line: 1, col: 1 }));
    return undefined;
  };
  const text = readOrEmpty(file) ?? '';
  const lines = parseAuditLog(text);
  const diagnostics = await checkChain(lines, file, readOrEmpty(keyFile), keyFile);
  diagnostics.push(...refused.splice(0));
  const plain = findPlaintextKeys(text);
  const known = new Set(plain.map((p) => p.line));
  for (const p of [...plain, ...freeTextSecrets(lines, known)]) diagnostics.push(report('keyring-plaintext', { file, line: p.line, what: p.what }, { file, line: p.line, col: 1 }));
  sortDiagnostics(diagnostics);
  const entries: AuditEntry[] = [];
  let signed = 0;
  for (const l of lines) if (l.entry) entries.push(l.entry), (signed += l.entry.sig === undefined ? 0 : 1);
  const result: VerifyResult = { diagnostics, entries: entries.length, signed, compared: [], ...(entries.length ? { last: entries[entries.length - 1] } : {}) };
  // Replaying a broken chain would only repeat its problems as keyring differences.
  if (diagnostics.length) return result;

  const replayed = replay(entries);
  for (const p of replayed.problems) diagnostics.push(report('audit-replay', { seq: p.entry.seq, env: p.entry.env, keyId: p.keyId, problem: p.problem }, { file, line: lines.find((l) => l.entry === p.entry)!.line, col: 1 }));
  if (diagnostics.length) return result;
  result.replayed = replayed.envs;

  for (const env of only ?? environmentNames(root)) {
    const settings = envKeySettings(root, env);
    const want = replayed.envs.get(env) ?? emptyKeys();
    const keyring = keyringPath(root, settings);
    const shown = join(root, settings.keyringFile);
    const committed = readOrEmpty(keyring) ?? '';
    diagnostics.push(...refused.splice(0));
    for (const p of findPlaintextKeys(committed)) diagnostics.push(report('keyring-plaintext', { file: shown, line: p.line, what: p.what }, { file: shown, line: p.line, col: 1 }));
    const expected = formatKeyring(want.apiKeys);
    if (committed !== expected) {
      const a = committed.split('\n');
      const b = expected.split('\n');
      let i = 0;
      while (i < Math.max(a.length, b.length) && a[i] === b[i]) i++;
      const [committedText, replayText] = lineDifference(a[i], b[i]);
      diagnostics.push(report('keyring-drift', { file: shown, env, committed: committedText, replay: replayText }, { file: shown, line: Math.min(i + 1, a.length), col: 1 }));
    }
    // JWT signing keys: the environment file lists them (in any order).
    const listed = [...(settings.jwtKeys ?? [])].sort((x, y) => x.kid.localeCompare(y.kid));
    const derived = [...want.jwtKeys].sort((x, y) => x.kid.localeCompare(y.kid));
    const same = (x: JwtKey, y: JwtKey) => x.kid === y.kid && x.status === y.status && x.retiresAt === y.retiresAt && x.publicKey.trim() === y.publicKey.trim();
    const n = Math.max(listed.length, derived.length);
    for (let i = 0; i < n; i++) {
      const x = listed[i];
      const y = derived[i];
      if (x && y && same(x, y)) continue;
      const envText = readFileSync(settings.envFile, 'utf8');
      registerSource(settings.envFile, envText);
      const needle = envText.indexOf(x?.kid ?? 'jwt:');
      const line = needle === -1 ? 1 : envText.slice(0, needle).split('\n').length;
      diagnostics.push(report('keyring-drift', { file: settings.envFile, env, committed: x ? `JWT key ${jwtLine(x)}` : 'no such JWT key', replay: y ? `JWT key ${jwtLine(y)}` : 'no such JWT key' }, { file: settings.envFile, line, col: 1 }));
      break;
    }
    result.compared.push(env);
  }
  sortDiagnostics(diagnostics);
  return result;
}
