// `smartbot keys open-pr`: proposes the key changes in the work tree (after `keys rotate --due`
// and `render`) as a pull request, through GitHub's Git Data API — blobs, one tree on top of the
// base's, a commit, the branch ref — so the runner needs no push credentials and no git config,
// and the commit holds exactly the key files, nothing else from the work tree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_KEY_SHAPE, AUDIT_LOG_FILE } from '../../contract/keyring-file.js';
import { UserError } from '../../contract/run-main.js';
import { GitRepo } from '../../plan/git.js';
import { describeGitHubError, step, type FailureHints, type GitHub } from '../../plan/github.js';
import { visible } from '../../validation/format/safe-text.js';
import { entriesOf, parseAuditLog, type AuditEntry } from '../../contract/audit-log.js';
import { boundedRequest, githubFromEnv, GITHUB_RUN_TIMEOUT_MS, parseRepo, requireToken, type GitHubClientOverrides } from '../github-env.js';
import { EXIT } from '../io.js';
import { LAYOUT } from '../../contract/paths.js';
import type { KeysRun } from './options.js';
import { runDeadline, untilDeadline } from '../http.js';

/** What a key change touches: the log, the keyrings, environment files (JWT key lists), and their rendering. */
export const KEY_CHANGE_DIRS = [LAYOUT.audit, LAYOUT.keyrings, LAYOUT.environments, LAYOUT.rendered];

const HINTS: FailureHints = {
  forbidden: 'the token needs contents: write and pull-requests: write (in a workflow: its permissions block)',
  notFound: 'check --repo and --base, and that the token can see the repository',
};

export interface OpenPrOptions {
  owner: string;
  repo: string;
  /** The branch the pull request targets. */
  base: string;
  /** Default: smartbot/key-rotation-<first seq>[-<last seq>]. */
  branch?: string;
  baseUrl: string;
  /** Tests: shorter deadlines per request and per run. */
  requestTimeoutMs?: number;
  runTimeoutMs?: number;
}

export type OpenPrResult = { opened: false } | { opened: true; url: string; number: number; branch: string; files: string[]; entries: AuditEntry[] };

/** Audit entries in the work tree's log that HEAD's log does not hold. */
function newEntries(git: GitRepo, root: string): AuditEntry[] {
  const committedId = git.tree('HEAD', [AUDIT_LOG_FILE]).get(AUDIT_LOG_FILE);
  const committed = committedId ? git.blobs([committedId]).get(committedId)!.toString('utf8') : '';
  let current = '';
  try {
    current = readFileSync(join(root, AUDIT_LOG_FILE), 'utf8');
  } catch {
    // No history yet: nothing to propose.
  }
  const entries = (text: string) => entriesOf(parseAuditLog(text));
  const lastSeq = Math.max(0, ...entries(committed).map((e) => e.seq));
  return entries(current).filter((e) => e.seq > lastSeq);
}

/** A markdown table cell: what the log holds, shown as text, never as markup. */
const cell = (s: string) => visible(s).replace(/[\\|`*_<>[\]]/g, (c) => `\\${c}`);

const keyCell = (e: AuditEntry) => `\`${e.keyId}\`${e.retires ? ` (retires \`${e.retires.keyId}\` at ${e.retires.until})` : ''}`;

export function prTitle(entries: AuditEntry[]): string {
  const keys = entries.map((e) => `${e.env} ${e.keyId}`);
  return `Key rotation: ${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ` and ${keys.length - 3} more` : ''}`;
}

export function prBody(entries: AuditEntry[], files: string[]): string {
  return [
    `New entries in \`${AUDIT_LOG_FILE}\`, written by \`smartbot keys\`:`,
    '',
    '| seq | env | action | key | fingerprint | reason |',
    '|---:|---|---|---|---|---|',
    ...entries.map((e) => `| ${e.seq} | ${cell(e.env)} | ${e.action} | ${keyCell(e)} | \`${e.keyFingerprint}\` | ${cell(e.reason)} |`),
    '',
    `<details><summary>${files.length} file${files.length === 1 ? '' : 's'} changed</summary>`,
    '',
    ...files.map((f) => `- \`${f}\``),
    '',
    '</details>',
    '',
    'The new keys are not in this pull request (only their SHA-256 is): hand them to their clients before the retiring keys expire. `npx smartbot keys verify` checks the history.',
    '',
  ].join('\n');
}

const branchFor = (entries: AuditEntry[]) => {
  const first = entries[0]!.seq;
  const last = entries.at(-1)!.seq;
  return `smartbot/key-rotation-${first}${last === first ? '' : `-${last}`}`;
};

export async function openRotationPr(gh: GitHub, root: string, o: OpenPrOptions): Promise<OpenPrResult> {
  // Every request is bounded (time and bytes), and so is the whole run, retries and waits included.
  const deadline = runDeadline(o.runTimeoutMs ?? GITHUB_RUN_TIMEOUT_MS);
  try {
    return await untilDeadline(propose(gh, root, o, deadline.signal), deadline.signal);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw describeGitHubError(e, 'proposing the key changes', o.baseUrl, HINTS);
  } finally {
    deadline.clear();
  }
}

async function propose(gh: GitHub, root: string, o: OpenPrOptions, deadline: AbortSignal): Promise<OpenPrResult> {
  const git = new GitRepo(root);
  const entries = newEntries(git, root);
  if (!entries.length) return { opened: false };
  const changed = git.uncommitted(KEY_CHANGE_DIRS);
  const contents = new Map<string, Buffer>();
  for (const f of changed.filter((c) => !c.removed)) {
    const data = readFileSync(join(root, f.path));
    // Belt and braces: a new key written into the repository must not reach a pull request.
    if (API_KEY_SHAPE.test(data.toString('utf8'))) throw new UserError(`${f.path} holds a plaintext API key: nothing was sent; write new keys outside the repository (keys rotate --due --out DIR)`, 1);
    contents.set(f.path, data);
  }

  const where = { owner: o.owner, repo: o.repo, ...boundedRequest(deadline, o.requestTimeoutMs) };
  const name = `${o.owner}/${o.repo}`;
  const run = <T>(doing: string, fn: () => Promise<T>) => step(doing, o.baseUrl, HINTS, fn);
  const branch = o.branch ?? branchFor(entries);

  const baseSha = (await run(`reading branch ${o.base} of ${name}`, () => gh.rest.git.getRef({ ...where, ref: `heads/${o.base}` }))).data.object.sha;
  // The tree is the base's plus the changed files: on any other commit it would undo or repeat changes.
  const head = git.resolve('HEAD').sha;
  if (head !== baseSha)
    throw new UserError(`the work tree is at ${head.slice(0, 7)} but ${name} ${o.base} is at ${baseSha.slice(0, 7)}: check out ${o.base}'s head and run the key commands again`, 2);
  const baseTree = (await run(`reading commit ${baseSha.slice(0, 7)}`, () => gh.rest.git.getCommit({ ...where, commit_sha: baseSha }))).data.tree.sha;

  const tree: { path: string; mode: '100644'; type: 'blob'; sha: string | null }[] = [];
  for (const f of changed) {
    const sha = f.removed
      ? null
      : (await run(`uploading ${f.path}`, () => gh.rest.git.createBlob({ ...where, content: contents.get(f.path)!.toString('base64'), encoding: 'base64' }))).data.sha;
    tree.push({ path: git.repoPath(f.path), mode: '100644', type: 'blob', sha });
  }
  const title = prTitle(entries);
  const files = changed.map((f) => f.path);
  const newTree = (await run('creating the tree', () => gh.rest.git.createTree({ ...where, base_tree: baseTree, tree }))).data.sha;
  const message = `${title}\n\n${entries.map((e) => `seq ${e.seq}: ${e.env} ${e.action} ${e.keyId} (${e.keyFingerprint}): ${visible(e.reason)}`).join('\n')}\n`;
  const commit = (await run('creating the commit', () => gh.rest.git.createCommit({ ...where, message, tree: newTree, parents: [baseSha] }))).data.sha;
  try {
    await gh.rest.git.createRef({ ...where, ref: `refs/heads/${branch}`, sha: commit });
  } catch (e) {
    const err = e as { status?: number; response?: { data?: { message?: unknown } } };
    if (err.status === 422 && /already exists/i.test(String(err.response?.data?.message)))
      throw new UserError(
        `branch ${branch} already exists in ${name} (422): a pull request for these audit entries is probably open; merge or close it and delete the branch, or pass --branch NAME`,
        2,
      );
    throw describeGitHubError(e, `creating branch ${branch}`, o.baseUrl, HINTS);
  }
  const pr = (await run(`opening the pull request from ${branch} into ${o.base}`, () => gh.rest.pulls.create({ ...where, title, head: branch, base: o.base, body: prBody(entries, files) }))).data;
  return { opened: true, url: pr.html_url, number: pr.number, branch, files, entries };
}

/** `keys open-pr --repo OWNER/NAME [--base main] [--branch NAME]`. */
export async function openPr(run: KeysRun, client: GitHubClientOverrides): Promise<number> {
  const { v, settings, io } = run;
  const { owner, repo } = parseRepo(v.repo);
  const base = v.base ?? 'main';
  const { gh, baseUrl } = githubFromEnv(requireToken(), 'smartbot-keys', client);
  const r = await openRotationPr(gh, settings.root, { owner, repo, base, baseUrl, ...(v.branch ? { branch: v.branch } : {}) });
  if (!r.opened) return io.out(`no new entries in ${AUDIT_LOG_FILE}: no key change to propose\n`), EXIT.ok;
  const seqs = r.entries.map((e) => e.seq);
  io.out(`opened ${r.url} from ${r.branch} into ${base}: audit seq ${seqs[0]}${seqs.length > 1 ? `–${seqs.at(-1)}` : ''}, ${r.files.length} file${r.files.length === 1 ? '' : 's'}\n`);
  return EXIT.ok;
}
