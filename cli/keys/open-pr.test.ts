// smartbot keys open-pr, after `keys rotate --due` and `render`: a branch from the base's head,
// one commit holding exactly the changed key files, and a pull request listing the new audit
// entries — against the GitHub contract server, which checks every request against GitHub's
// published REST description.
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSigningKeys } from '../../contract/jwt.js';
import { runCli } from '../../test/helpers/cli.js';
import { repoRoot } from '../../test/helpers/env.js';
import { fixtureRepo, type FixtureRepo } from '../../test/helpers/git-repo.js';
import { fastClient, githubApiPerTest, type GitHubApi } from '../../test/helpers/github-api.js';
import { gitDataApi, type GitData } from '../../test/helpers/github-git.js';
import { keysCommand } from '../keys.js';
import { runCommand } from '../main.js';
import type { AuditEntry } from '../../contract/audit-log.js';
import { openRotationPr, prBody, prTitle } from './open-pr.js';
import { githubClient } from '../../plan/github.js';
import { createServer } from 'node:http';
import { tempDir } from '../../test/helpers/temp.js';

const TOKEN = 'ghs_test0123456789abcdefTOKEN';
const REPO = 'octo/smartbot';
const DAY = 86_400_000;
const t0 = Date.parse('2027-01-05T10:00:00.000Z');
const who = ['--actor', 'alice@example.com', '--ref', 'PR #7'];
const keysDir = tempDir('smartbot-new-keys-');
let r: FixtureRepo;
let base: string;
let gh: GitHubApi;
let git: GitData;

const keys = (root: string, ...args: string[]) => runCli('keys', ...args, '--root', root);

/** `smartbot keys open-pr …` in-process, through the CLI's error handling, with fast timing. */
async function openPr(root: string, ...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCommand('keys', (a, io) => keysCommand(a, io, fastClient()), ['open-pr', '--repo', REPO, '--root', root, ...argv], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** path → blob id of a commit, or of the index. */
const filesOf = (lines: string, pattern: RegExp) => new Map(lines.split('\n').flatMap((l) => (pattern.exec(l) ? [[pattern.exec(l)![2]!, pattern.exec(l)![1]!] as [string, string]] : [])));
const treeOf = (dir: FixtureRepo, rev: string) => filesOf(dir.git('ls-tree', '-r', rev), /^\d+ blob ([0-9a-f]+)\t(.+)$/);

beforeAll(async () => {
  // The repository as committed: environments, keyrings, history, rendering, the workflow's public key.
  r = fixtureRepo();
  for (const d of ['audit', 'rendered']) cpSync(join(repoRoot, d), join(r.dir, d), { recursive: true });
  const signing = generateSigningKeys();
  writeFileSync(join(r.dir, 'workflow.pem'), signing.privateKeyPem);
  vi.useFakeTimers({ toFake: ['Date'], now: t0 });
  await keys(r.dir, 'create', '--env', 'prod', '--id', 'ci', '--reason', 'CI | smoke <tests>', ...who);
  expect((await runCli('render', '--root', r.dir)).code).toBe(0);
  rmSync(join(r.dir, 'workflow.pem'));
  writeFileSync(join(keysDir, 'workflow.pub.pem'), signing.publicKeyPem);
  expect((await keys(r.dir, 'workflow-key', '--public-key', join(keysDir, 'workflow.pub.pem'))).code).toBe(0);
  base = r.commit({}, 'prod key ci, the workflow key');
  writeFileSync(join(keysDir, 'workflow.pem'), signing.privateKeyPem);
  // 77 days later, what the scheduled workflow does.
  vi.setSystemTime(t0 + 77 * DAY);
  const due = await keys(r.dir, 'rotate', '--due', '--out', join(keysDir, 'new'), '--sign-key', join(keysDir, 'workflow.pem'), '--ref', 'schedule');
  expect(due.out).toMatch(/^prod: rotated ci\.1 → ci\.2 \(audit seq 6\)/);
  expect((await runCli('render', '--root', r.dir)).code).toBe(0);
  vi.useRealTimers();
  // Not a key file: stays out of the pull request.
  writeFileSync(join(r.dir, 'notes.txt'), 'scratch\n');
  process.env.GITHUB_TOKEN = TOKEN;
});

githubApiPerTest({ tokens: { [TOKEN]: { login: 'github-actions[bot]', type: 'Bot' } } }, (server) => {
  gh = server;
  git = gitDataApi(gh, REPO, { main: { sha: base, files: treeOf(r, base) } });
});

afterAll(() => {
  delete process.env.GITHUB_TOKEN;
  delete process.env.GITHUB_API_URL;
  r.remove();
  rmSync(keysDir, { recursive: true, force: true });
});

describe('smartbot keys open-pr', () => {
  it('commits exactly the changed key files on a new branch from main and opens a pull request listing the new audit entries', async () => {
    const res = await openPr(r.dir);
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    const branch = 'smartbot/key-rotation-6';
    const changed = r.git('status', '--porcelain', '--untracked-files=all', '--', 'audit', 'keyrings', 'rendered').trimEnd().split('\n').map((l) => l.slice(3));
    expect(changed).toEqual(['audit/key-rotations.jsonl', 'keyrings/prod.json', 'rendered/prod/compose/docker-compose.yml', 'rendered/prod/kubernetes/keyring.yaml']);
    expect(res.out).toBe(`opened https://github.com/${REPO}/pull/1 from ${branch} into main: audit seq 6, 4 files\n`);

    // The branch's commit: parent main, tree = the work tree's key files (git's own blob ids), nothing else.
    const commit = git.commits.get(git.refs.get(`heads/${branch}`)!)!;
    expect(commit.parents).toEqual([base]);
    r.git('add', '--', 'audit', 'keyrings', 'environments', 'rendered');
    const staged = filesOf(r.git('ls-files', '-s'), /^\d+ ([0-9a-f]+) \d\t(.+)$/);
    r.git('reset', '-q');
    expect(git.trees.get(commit.tree)).toEqual(staged);
    expect(git.trees.get(commit.tree)!.has('notes.txt')).toBe(false);
    expect(git.filesAt(commit.sha).get('audit/key-rotations.jsonl')).toBe(r.read('audit/key-rotations.jsonl'));
    expect(commit.message).toMatch(/^Key rotation: prod ci\.2\n\nseq 6: prod rotate ci\.2 \([0-9a-f]{12}\): scheduled: 77 days old, maximum 90\n$/);

    const entry = JSON.parse(r.read('audit/key-rotations.jsonl').trimEnd().split('\n').at(-1)!) as AuditEntry;
    expect(git.pulls).toHaveLength(1);
    const pr = git.pulls[0]!;
    expect(pr).toMatchObject({ title: 'Key rotation: prod ci.2', head: branch, base: 'main' });
    expect(pr.body.split('\n').slice(0, 5)).toEqual([
      'New entries in `audit/key-rotations.jsonl`, written by `smartbot keys`:',
      '',
      '| seq | env | action | key | fingerprint | reason |',
      '|---:|---|---|---|---|---|',
      `| 6 | prod | rotate | \`ci.2\` (retires \`ci.1\` at ${entry.retires!.until}) | \`${entry.keyFingerprint}\` | scheduled: 77 days old, maximum 90 |`,
    ]);
    expect(pr.body).toContain('<details><summary>4 files changed</summary>\n\n- `audit/key-rotations.jsonl`\n- `keyrings/prod.json`\n- `rendered/prod/compose/docker-compose.yml`\n- `rendered/prod/kubernetes/keyring.yaml`\n');
    expect(gh.requests.map((q) => q.operationId)).toEqual(['git/get-ref', 'git/get-commit', 'git/create-blob', 'git/create-blob', 'git/create-blob', 'git/create-blob', 'git/create-tree', 'git/create-commit', 'git/create-ref', 'pulls/create']);
    // The new key never leaves the runner.
    expect(JSON.stringify([...git.blobs.values()].map(String))).not.toMatch(/sb_ci_/);
  });

  it('nothing due: no request, exit 0, one line', async () => {
    const clean = tempDir('smartbot-clean-');
    r.git('worktree', 'add', '-q', '--detach', clean, base);
    try {
      const due = await keys(clean, 'rotate', '--due', '--out', join(keysDir, 'none'), '--sign-key', join(keysDir, 'workflow.pem'));
      expect(due.err).toBe('no key is due for rotation\n');
      expect(await openPr(clean)).toEqual({ code: 0, out: 'no new entries in audit/key-rotations.jsonl: no key change to propose\n', err: '' });
      expect(gh.requests).toEqual([]);
    } finally {
      r.git('worktree', 'remove', '--force', clean);
    }
  });

  it('a branch that exists (422): one clear line, exit 2, no pull request', async () => {
    git.refs.set('heads/smartbot/key-rotation-6', base);
    const res = await openPr(r.dir);
    expect(res).toEqual({
      code: 2,
      out: '',
      err: 'smartbot keys: branch smartbot/key-rotation-6 already exists in octo/smartbot (422): a pull request for these audit entries is probably open; merge or close it and delete the branch, or pass --branch NAME\n',
    });
    expect(git.pulls).toEqual([]);
    // --branch picks another name.
    expect((await openPr(r.dir, '--branch', 'rotation-again')).out).toContain(' from rotation-again into main: ');
  });

  it('refuses when main has moved past the work tree: the commit would undo or repeat changes', async () => {
    git.refs.set('heads/main', 'f'.repeat(40));
    const res = await openPr(r.dir);
    expect(res.code).toBe(2);
    expect(res.err).toBe(`smartbot keys: the work tree is at ${base.slice(0, 7)} but octo/smartbot main is at fffffff: check out main's head and run the key commands again\n`);
    expect(gh.requests.map((q) => q.operationId)).toEqual(['git/get-ref']);
  });

  const failures: [string, () => void, string][] = [
    ['a bad token (401)', () => (process.env.GITHUB_TOKEN = 'ghs_wrongTOKEN'), 'GitHub rejected the token while reading branch main of octo/smartbot (401: Bad credentials); set GITHUB_TOKEN to a valid token'],
    [
      'a token without contents: write (403)',
      () => gh.failNext('git/create-blob', { status: 403, body: { message: 'Resource not accessible by integration' } }),
      'GitHub refused uploading audit/key-rotations.jsonl (403: Resource not accessible by integration); the token needs contents: write and pull-requests: write (in a workflow: its permissions block)',
    ],
    ['an unknown repository (404)', () => gh.state.repos.delete(REPO), 'GitHub found nothing while reading branch main of octo/smartbot (404: Not Found); check --repo and --base, and that the token can see the repository'],
    [
      'an exhausted rate limit',
      () => gh.failNext('pulls/create', { status: 403, body: { message: 'API rate limit exceeded' }, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1893456000' } }),
      'GitHub API rate limit exhausted while opening the pull request from smartbot/key-rotation-6 into main (403); it resets until 2030-01-01T00:00:00Z: run again then',
    ],
    ['a 5xx that persists', () => gh.failNext('git/create-tree', { status: 503, body: { message: 'Service Unavailable' }, times: 5 }), 'GitHub failed while creating the tree (503: Service Unavailable), also on retrying; run again later'],
  ];
  it.each(failures)('%s: one clear line, exit 2, no token', async (_name, arrange, expected) => {
    arrange();
    const res = await openPr(r.dir);
    process.env.GITHUB_TOKEN = TOKEN;
    expect(res).toEqual({ code: 2, out: '', err: `smartbot keys: ${expected}\n` });
  });

  it('refuses bad usage and a plaintext key in the work tree before any request', async () => {
    expect((await openPr(r.dir, '--repo', 'octo')).err).toBe('smartbot keys: --repo must be OWNER/NAME, got "octo"\nRun `smartbot keys --help` for usage.\n');
    delete process.env.GITHUB_TOKEN;
    const noToken = await openPr(r.dir);
    process.env.GITHUB_TOKEN = TOKEN;
    expect(noToken).toMatchObject({ code: 2, err: 'smartbot keys: GITHUB_TOKEN is not set (in a workflow: env: GITHUB_TOKEN: ${{ github.token }})\nRun `smartbot keys --help` for usage.\n' });
    const leak = join(r.dir, 'keyrings/ci.key');
    writeFileSync(leak, 'sb_ci_0123456789abcdefghijklmnopqrstuv\n');
    try {
      expect(await openPr(r.dir)).toEqual({ code: 1, out: '', err: 'smartbot keys: keyrings/ci.key holds a plaintext API key: nothing was sent; write new keys outside the repository (keys rotate --due --out DIR)\n' });
    } finally {
      rmSync(leak);
    }
    expect(gh.requests).toEqual([]);
  });
});

describe('smartbot keys open-pr against a GitHub that never answers', () => {
  it('ends at its deadline with one line instead of waiting for the job to be killed', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const t0 = performance.now();
    try {
      const gh = githubClient({ token: TOKEN, baseUrl, ...fastClient() });
      const run = openRotationPr(gh, r.dir, { owner: 'octo', repo: 'smartbot', base: 'main', baseUrl, requestTimeoutMs: 300, runTimeoutMs: 1500 });
      await expect(run).rejects.toThrow(/^cannot reach the GitHub API at http:\/\/127\.0\.0\.1:\d+ while (reading branch main of octo\/smartbot \(no complete answer within 0\.3 s\)|proposing the key changes \(the run's 1\.5 s deadline passed\)); check GITHUB_API_URL and the network$/);
      expect(performance.now() - t0).toBeLessThan(5000);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('the pull request text', () => {
  it('shows what the log holds as text: a reason cannot break the table or add markup', () => {
    const e = { seq: 9, env: 'dev', action: 'revoke', keyId: 'ops.1', keyFingerprint: '9fa1c2a98219', reason: 'leaked | in <img src=x> `log`\nsecond line' } as AuditEntry;
    expect(prBody([e], ['keyrings/dev.json']).split('\n')[4]).toBe('| 9 | dev | revoke | `ops.1` | `9fa1c2a98219` | leaked \\| in \\<img src=x\\> \\`log\\`\\\\nsecond line |');
    expect(prTitle([1, 2, 3, 4, 5].map((seq) => ({ ...e, seq, keyId: `k.${seq}` })))).toBe('Key rotation: dev k.1, dev k.2, dev k.3 and 2 more');
  });
});
