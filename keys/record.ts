// Recording a key change: the new audit entries are chained after the verified log, applied to
// the replayed keys, and written — the keyring (and the environment's JWT key list) as the
// replay gives them, the entries appended to the log. Nothing is written when the history does
// not verify first: a change is never recorded on top of a tampered or forked log.
import { execFileSync } from 'node:child_process';
import { sign, verify, type KeyObject } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { entryLine, formatWorkflowKey, loadSigningKey, parseWorkflowKey, seal, WORKFLOW_ACTOR, WORKFLOW_KEY_FILE, type AuditEntry, type UnsealedEntry, type WorkflowKey } from '../contract/audit-log.js';
import { AUDIT_LOG_FILE, formatKeyring } from '../contract/keyring-file.js';
import { UserError } from '../contract/run-main.js';
import type { Diagnostic } from '../validation/diagnostics.js';
import { formatDiagnostic } from '../validation/format/text.js';
import { applyEntry, emptyKeys, type EnvKeys } from './replay.js';
import type { KeySettings } from './settings.js';
import { verifyKeys } from './verify.js';

export interface Provenance {
  actor: string;
  ref: string;
  /** The workflow's signing key (PEM), when the scheduled rotation records the change. */
  signingKeyPem?: string;
}

const git = (root: string, ...args: string[]) => {
  try {
    return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
};

/** Who and where from, when not given: the signing workflow, else git's user; the pull request, else the commit. */
export function provenance(root: string, given: { actor?: string; ref?: string; signKey?: string }, env: NodeJS.ProcessEnv = process.env): Provenance {
  let signingKeyPem: string | undefined;
  const keyFile = given.signKey ?? env.SMARTBOT_AUDIT_SIGNING_KEY_FILE;
  if (keyFile) {
    try {
      signingKeyPem = readFileSync(keyFile, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read the audit signing key ${keyFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
    }
  } else signingKeyPem = env.SMARTBOT_AUDIT_SIGNING_KEY || undefined;
  const pr = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '')?.[1];
  const actor = given.actor ?? env.SMARTBOT_ACTOR ?? (signingKeyPem ? WORKFLOW_ACTOR : undefined) ?? git(root, 'config', 'user.email') ?? env.USER ?? 'unknown';
  const commit = env.GITHUB_SHA?.slice(0, 7) ?? git(root, 'rev-parse', '--short', 'HEAD');
  const ref = given.ref ?? env.SMARTBOT_REF ?? (pr ? `PR #${pr}` : commit ? `commit ${commit}` : 'unknown');
  return { actor, ref, ...(signingKeyPem ? { signingKeyPem } : {}) };
}

const refuseUnverified = (diagnostics: Diagnostic[]) =>
  new UserError(`the key history does not verify, so nothing was changed — run \`npx smartbot keys verify\`:\n\n${diagnostics.slice(0, 3).map(formatDiagnostic).join('\n\n')}`);

/** What a change is recorded on: one environment's keys now, the last entry, the committed workflow key. */
export interface KeyState {
  keys: EnvKeys;
  last?: AuditEntry;
  workflowKey?: WorkflowKey;
}

/** The verified history and one environment's keys now; refuses when the history does not verify. */
export async function currentKeys(settings: KeySettings, env: string): Promise<KeyState> {
  const v = await verifyKeys(settings, { only: [env] });
  if (v.diagnostics.length) throw refuseUnverified(v.diagnostics);
  return { keys: structuredClone(v.replayed?.get(env) ?? emptyKeys()), ...(v.last ? { last: v.last } : {}), ...(v.workflowKey ? { workflowKey: v.workflowKey } : {}) };
}

/** The signing key, required and checked against the committed workflow key once there is one (before anything is written). */
export function signingKeyFor(state: KeyState, who: Provenance): KeyObject | undefined {
  const key = who.signingKeyPem ? loadSigningKey(who.signingKeyPem) : undefined;
  if (!state.workflowKey) return key;
  const from = state.workflowKey.fromSeq;
  if (!key) throw new UserError(`${WORKFLOW_KEY_FILE} is committed: every entry from seq ${from} on is signed — record this change where the workflow key's private half is (SMARTBOT_AUDIT_SIGNING_KEY, or --sign-key FILE), such as a run of the rotate-keys workflow`, 2);
  const probe = Buffer.from('smartbot workflow key check');
  if (!verify(null, probe, state.workflowKey.key, sign(null, probe, key))) throw new UserError(`the signing key is not the private half of ${WORKFLOW_KEY_FILE}: nothing was recorded`, 2);
  return key;
}

const writeAtomically = (file: string, text: string) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
};

/** Chains, applies and writes `changes` (all for `env`); returns the sealed entries. */
export function record(settings: KeySettings, env: string, state: KeyState, changes: UnsealedEntry[], who: Provenance): AuditEntry[] {
  const root = settings.root;
  const s = settings.of(env);
  const signingKey = signingKeyFor(state, who);
  const sealed: AuditEntry[] = [];
  let prev = state.last;
  for (const change of changes) {
    const entry = seal(change, prev, signingKey);
    const problem = applyEntry(state.keys, entry);
    if (problem) throw new UserError(`cannot ${entry.action} ${problem.keyId} in ${env}: ${problem.problem === 'unknown' ? 'no such key' : problem.problem === 'exists' ? 'the id exists' : `the key is ${problem.problem === 'revoked' ? 'already revoked' : 'not active'}`}`);
    sealed.push(entry);
    prev = entry;
  }
  const keyring = settings.keyringPath(s);
  writeFileSync(`${keyring}.tmp`, formatKeyring(state.keys.apiKeys));
  if (sealed.some((e) => e.kind === 'jwt')) {
    const doc = parseDocument(readFileSync(s.envFile, 'utf8'));
    doc.setIn(['security', 'jwt', 'keys'], doc.createNode(state.keys.jwtKeys));
    writeAtomically(s.envFile, doc.toString());
  }
  const log = join(root, AUDIT_LOG_FILE);
  mkdirSync(dirname(log), { recursive: true });
  const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
  appendFileSync(log, `${text && !text.endsWith('\n') ? '\n' : ''}${sealed.map((e) => `${entryLine(e)}\n`).join('')}`);
  renameSync(`${keyring}.tmp`, keyring);
  if (prev) state.last = prev;
  return sealed;
}

/** Writes a plaintext secret once, to a new file only its owner can read. */
export function writeSecretFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`${file} exists: --out never overwrites a key file`, 2);
    throw new UserError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
  }
}

/**
 * Commits to the workflow key: writes audit/workflow-key.pub so that every entry after the
 * current last one must be signed by it. The history must verify first (the missing key itself
 * aside: that is what this fixes); an existing key is not replaced here, since unsigning
 * entries is a change a pull request makes on its own (plan blocks it as audit-rewritten).
 */
export async function adoptWorkflowKey(settings: KeySettings, publicKeyPem: string): Promise<{ file: string; fromSeq: number }> {
  const file = join(settings.root, WORKFLOW_KEY_FILE);
  if (existsSync(file)) throw new UserError(`${file} exists: replacing the workflow key is a change of its own — remove the file in a reviewed pull request first`, 2);
  const v = await verifyKeys(settings);
  const problems = v.diagnostics.filter((d) => d.rule !== 'audit-workflow-key-missing');
  if (problems.length) throw refuseUnverified(problems);
  const fromSeq = (v.last?.seq ?? 0) + 1;
  const text = formatWorkflowKey(publicKeyPem, fromSeq);
  const parsed = parseWorkflowKey(text);
  if ('problem' in parsed) throw new UserError(`not a workflow key: ${parsed.problem}`, 2);
  writeAtomically(file, text);
  return { file, fromSeq };
}
