// `smartbot keys verify`: the audit chain (contract/audit-log.ts checks it, as the service's
// console does), the workflow key, then the replay compared with every committed keyring and JWT
// key list; with a base, that the history only grew; with a checkpoint, that it still holds what
// main recorded. Each problem is a diagnostic at the line it is on (catalogue rules audit-*,
// keyring-*), so CI shows exactly which line was touched.
import { join } from 'node:path';
import type { JwtKey } from '../contract/environment.js';
import { API_KEY_SHAPE, AUDIT_LOG_FILE, formatKeyring } from '../contract/keyring-file.js';
import { checkChain, parseAuditLog, parseWorkflowKey, WORKFLOW_KEY_FILE, type AuditEntry, type AuditLine, type WorkflowKey } from '../contract/audit-log.js';
import { registerSource, report, sortDiagnostics, type Diagnostic } from '../validation/diagnostics.js';
import { RepoFiles } from '../validation/load/repo-file.js';
import { findPlaintextKeys } from '../validation/policy/keyring.js';
import { secretShape } from '../validation/policy/secrets.js';
import type { RuleParams } from '../validation/rules.js';
import { describeChange, historyChanges } from './append-only.js';
import { checkpointProblem, type FoundCheckpoint } from './checkpoint.js';
import { emptyKeys, replay, type EnvKeys } from './replay.js';
import type { EnvKeySettings, KeySettings } from './settings.js';

/**
 * The audit log and keyrings may be long (100,000 entries are 55 MB), but are read only as
 * regular files inside the repository, and not past this: a larger file is a located refusal,
 * never a read that takes the machine's memory.
 */
export const KEY_FILES_MAX_BYTES = 128 * 2 ** 20;

export interface VerifyOptions {
  /** Compare only these environments' keyrings (default: every environment). */
  only?: string[];
  /** `--base REF`: the base's audit log and workflow key (undefined where it has none). */
  base?: { ref: string; log?: string | undefined; workflowKey?: string | undefined };
  /** `--checkpoint`: the newest checkpoint tag, or null when the repository has none. */
  checkpoint?: FoundCheckpoint | null;
  /** Today, for `unsignedAuditUntil` (default now). */
  now?: Date;
}

export interface VerifyResult {
  diagnostics: Diagnostic[];
  /** Problems found but not kept (a file of junk lines has one per line). */
  omitted: number;
  /** Entries read, of which signed. */
  entries: number;
  signed: number;
  /** Environments whose keys were compared with the replay. */
  compared: string[];
  /** One line each, printed on every run while they hold (the missing workflow key, no checkpoint). */
  warnings: string[];
  /** The replayed keys of every environment in the log (for the commands that write keyrings). */
  replayed?: Map<string, EnvKeys>;
  /** The last entry, to chain the next one after. */
  last?: AuditEntry;
  /** The workflow key, when one is committed. */
  workflowKey?: WorkflowKey;
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

/** The line of an environment file that sets `tier:` (where the enterprise requirement comes from). */
const tierLine = (text: string) => {
  const at = /^tier:/m.exec(text);
  return at ? text.slice(0, at.index).split('\n').length : 1;
};

export async function verifyKeys(settings: KeySettings, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const root = settings.root;
  const file = join(root, AUDIT_LOG_FILE);
  const keyFile = join(root, WORKFLOW_KEY_FILE);
  // A pull request from a fork may make any of these a link to a secret, /dev/zero or a FIFO:
  // read them as the validator reads keyrings; a missing one is empty.
  const files = new RepoFiles(root, KEY_FILES_MAX_BYTES);
  const diagnostics: Diagnostic[] = [];
  const readOrEmpty = (path: string): string | undefined => {
    const read = files.read(path);
    if (read.ok) return read.text;
    if (read.refusal.rule !== 'io-missing') diagnostics.push(report(read.refusal.rule as 'io-unreadable', read.refusal.params as RuleParams<'io-unreadable'>, { file: path, line: 1, col: 1 }));
    return undefined;
  };
  const text = readOrEmpty(file) ?? '';
  const log = parseAuditLog(text);
  const lines = log.lines;
  const keyText = readOrEmpty(keyFile);
  let workflowKey: WorkflowKey | undefined;
  if (keyText !== undefined) {
    const parsed = parseWorkflowKey(keyText);
    if ('problem' in parsed) diagnostics.push(report('audit-workflow-key', { file: keyFile, detail: parsed.problem }, { file: keyFile, line: 1, col: 1 }));
    else workflowKey = parsed;
  }
  const chain = await checkChain(log, workflowKey, keyFile);
  // Each problem's rule and params are the catalogue's (validation/rules.ts audit-*); TS cannot correlate the union.
  for (const p of chain.problems) diagnostics.push(report(p.rule, p.params as RuleParams<'audit-malformed'>, { file, line: p.line, col: 1 }));
  const plain = findPlaintextKeys(text);
  const known = new Set(plain.map((p) => p.line));
  for (const p of [...plain, ...freeTextSecrets(lines, known)]) diagnostics.push(report('keyring-plaintext', { file, line: p.line, what: p.what }, { file, line: p.line, col: 1 }));

  const entries: AuditEntry[] = [];
  let signed = 0;
  for (const l of lines) if (l.entry) entries.push(l.entry), (signed += l.entry.sig === undefined ? 0 : 1);
  const result: VerifyResult = {
    diagnostics,
    omitted: chain.omitted,
    entries: entries.length,
    signed,
    compared: [],
    warnings: [],
    ...(entries.length ? { last: entries[entries.length - 1] } : {}),
    ...(workflowKey ? { workflowKey } : {}),
  };

  if (opts.base) {
    const changes = historyChanges({ log: opts.base.log, workflowKey: opts.base.workflowKey }, { log: text, workflowKey: keyText });
    for (const c of changes) {
      const at = c.kind === 'workflow-key' ? { file: keyFile, line: 1, col: 1 } : { file, line: Math.max(1, Math.min(c.line, lines.length)), col: 1 };
      diagnostics.push(report('audit-rewritten', { what: describeChange(c, file, keyFile), ref: opts.base.ref }, at));
    }
  }
  if (opts.checkpoint === null) result.warnings.push('⚠ no checkpoint tag (smartbot-audit/*) here: nothing to compare the history with (fetch tags: git fetch --tags; main records one after each merge that appends)');
  else if (opts.checkpoint) {
    const problem = checkpointProblem(opts.checkpoint, entries, workflowKey);
    if (problem) diagnostics.push(report('audit-checkpoint', { detail: problem }, { file, line: Math.max(1, lines.length), col: 1 }));
  }

  const envs = opts.only ?? settings.names();
  if (keyText === undefined) {
    // One warning line on every run; an enterprise environment makes it an error, unless its
    // documented transition date has not passed.
    const today = (opts.now ?? new Date()).toISOString().slice(0, 10);
    const transitions: string[] = [];
    for (const env of envs) {
      const s = settings.of(env);
      if (s.tier !== 'enterprise') continue;
      if (s.unsignedAuditUntil !== undefined && today <= s.unsignedAuditUntil) transitions.push(`${env} (enterprise) accepts this until ${s.unsignedAuditUntil}`);
      else diagnostics.push(missingKeyFor(s, keyFile, readOrEmpty));
    }
    result.warnings.push(
      `⚠ ${WORKFLOW_KEY_FILE} is absent: every entry is unsigned, so anyone who can push can rewrite the history and recompute the chain (set-up: docs/keys.md, "The workflow key")${transitions.length ? `; ${transitions.join(', ')}` : ''}`,
    );
  }
  sortDiagnostics(diagnostics);
  // Replaying a broken chain would only repeat its problems as keyring differences.
  if (diagnostics.length) return result;

  const replayed = replay(entries);
  for (const p of replayed.problems) diagnostics.push(report('audit-replay', { seq: p.entry.seq, env: p.entry.env, keyId: p.keyId, problem: p.problem }, { file, line: lines.find((l) => l.entry === p.entry)!.line, col: 1 }));
  if (diagnostics.length) return result;
  result.replayed = replayed.envs;

  for (const env of envs) {
    diagnostics.push(...compareEnvironment(settings, settings.of(env), replayed.envs.get(env) ?? emptyKeys(), readOrEmpty));
    result.compared.push(env);
  }
  sortDiagnostics(diagnostics);
  return result;
}

function missingKeyFor(s: EnvKeySettings, keyFile: string, readOrEmpty: (path: string) => string | undefined): Diagnostic {
  const envText = readOrEmpty(s.envFile);
  if (envText !== undefined) registerSource(s.envFile, envText);
  return report('audit-workflow-key-missing', { env: s.env, file: keyFile, ...(s.unsignedAuditUntil ? { until: s.unsignedAuditUntil } : {}) }, { file: s.envFile, line: envText === undefined ? 1 : tierLine(envText), col: 1 });
}

/** The committed keyring and JWT key list of one environment against the replay. */
function compareEnvironment(settings: KeySettings, s: EnvKeySettings, want: EnvKeys, readOrEmpty: (path: string) => string | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  const shown = join(settings.root, s.keyringFile);
  const committed = readOrEmpty(settings.keyringPath(s)) ?? '';
  for (const p of findPlaintextKeys(committed)) out.push(report('keyring-plaintext', { file: shown, line: p.line, what: p.what }, { file: shown, line: p.line, col: 1 }));
  const expected = formatKeyring(want.apiKeys);
  if (committed !== expected) {
    const a = committed.split('\n');
    const b = expected.split('\n');
    let i = 0;
    while (i < Math.max(a.length, b.length) && a[i] === b[i]) i++;
    const [committedText, replayText] = lineDifference(a[i], b[i]);
    out.push(report('keyring-drift', { file: shown, env: s.env, committed: committedText, replay: replayText }, { file: shown, line: Math.min(i + 1, a.length), col: 1 }));
  }
  // JWT signing keys: the environment file lists them (in any order).
  const listed = [...(s.jwtKeys ?? [])].sort((x, y) => x.kid.localeCompare(y.kid));
  const derived = [...want.jwtKeys].sort((x, y) => x.kid.localeCompare(y.kid));
  const same = (x: JwtKey, y: JwtKey) => x.kid === y.kid && x.status === y.status && x.retiresAt === y.retiresAt && x.publicKey.trim() === y.publicKey.trim();
  for (let i = 0; i < Math.max(listed.length, derived.length); i++) {
    const x = listed[i];
    const y = derived[i];
    if (x && y && same(x, y)) continue;
    const envText = readOrEmpty(s.envFile) ?? '';
    registerSource(s.envFile, envText);
    const needle = envText.indexOf(x?.kid ?? 'jwt:');
    const line = needle === -1 ? 1 : envText.slice(0, needle).split('\n').length;
    out.push(report('keyring-drift', { file: s.envFile, env: s.env, committed: x ? `JWT key ${jwtLine(x)}` : 'no such JWT key', replay: y ? `JWT key ${jwtLine(y)}` : 'no such JWT key' }, { file: s.envFile, line, col: 1 }));
    break;
  }
  return out;
}
