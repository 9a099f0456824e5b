// `keys verify [--env E] [--base REF] [--checkpoint]`: the history checked (keys/verify.ts), the
// base's side read from git, the newest checkpoint tag found. Output is bounded like validate's:
// at most 50 diagnostics per file and a count of the rest, whatever the file holds.
import { join } from 'node:path';
import { WORKFLOW_KEY_FILE } from '../../contract/audit-log.js';
import { AUDIT_LOG_FILE } from '../../contract/keyring-file.js';
import { latestCheckpoint } from '../../keys/checkpoint.js';
import { verifyKeys, type VerifyResult } from '../../keys/verify.js';
import { GitRepo } from '../../plan/git.js';
import { omittedLine, plural, shownDiagnostics } from '../../validation/format/format.js';
import { formatDiagnostic } from '../../validation/format/text.js';
import { visible } from '../../validation/format/safe-text.js';
import { EXIT } from '../io.js';
import { envOption, type KeysRun } from './options.js';

/** The base's audit log and workflow key, from git (no checkout). */
function baseSide(root: string, ref: string): { ref: string; log?: string | undefined; workflowKey?: string | undefined } {
  const git = new GitRepo(root);
  const commit = git.resolve(ref);
  const tree = git.tree(commit.sha, ['audit']);
  const ids = [AUDIT_LOG_FILE, WORKFLOW_KEY_FILE].map((f) => tree.get(f));
  const blobs = git.blobs(ids.filter((id): id is string => id !== undefined));
  const text = (id: string | undefined) => (id === undefined ? undefined : blobs.get(id)!.toString('utf8'));
  return { ref, log: text(ids[0]), workflowKey: text(ids[1]) };
}

/** The verdict text: warnings, bounded diagnostics, the summary line. */
export function verifyText(r: VerifyResult, log: string, checks: string[]): string {
  const { shown, omitted } = shownDiagnostics({ environments: [], diagnostics: r.diagnostics, ioError: false });
  // Problems the chain check counted without keeping are more of the log's.
  const more = omitted.map((o) => (o.file === log ? { ...o, count: o.count + r.omitted } : o));
  if (r.omitted && !more.some((o) => o.file === log)) more.push({ file: log, count: r.omitted });
  const rest = more.map((o) => omittedLine(o, visible(o.file)));
  const warnings = r.warnings.map((w) => `${w}\n`).join('');
  if (r.diagnostics.length) {
    const total = r.diagnostics.length + r.omitted;
    return `${warnings}${[...shown.map(formatDiagnostic), ...(rest.length ? [rest.join('\n')] : [])].join('\n\n')}\n\n✖ ${plural(total, 'problem')}: the key history does not verify\n`;
  }
  return `${warnings}✔ ${log}: ${r.entries} entries, chain intact (${r.signed} signed)${checks.map((c) => `; ${c}`).join('')}; keys match the replay: ${r.compared.join(', ') || '(no environments)'}\n`;
}

export async function verify(run: KeysRun): Promise<number> {
  const { v, settings, io } = run;
  const root = settings.root;
  const base = v.base === undefined ? undefined : baseSide(root, v.base);
  const checkpoint = v.checkpoint ? (latestCheckpoint(root) ?? null) : undefined;
  const r = await verifyKeys(settings, { ...(v.env ? { only: [envOption(run)] } : {}), ...(base ? { base } : {}), ...(checkpoint !== undefined ? { checkpoint } : {}) });
  const checks = [...(base ? [`only appended to since ${base.ref}`] : []), ...(checkpoint ? [`holds checkpoint ${checkpoint.tag}`] : [])];
  io.out(verifyText(r, join(root, AUDIT_LOG_FILE), checks));
  return r.diagnostics.length ? EXIT.invalid : EXIT.ok;
}
