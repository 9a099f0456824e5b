// smartbot pr-comment against a local GitHub that checks every request against GitHub's
// published REST description (test/helpers/github-api.ts) and answers schema-valid responses.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlan, type Plan } from '../plan/plan.js';
import { COMMENT_LIMIT, MARKER } from '../plan/publish.js';
import { fixtureRepo } from '../test/helpers/git-repo.js';
import { fastClient, githubApiPerTest, type GitHubApi } from '../test/helpers/github-api.js';
import { runCommand } from './main.js';
import { prCommentCommand } from './pr-comment.js';
import { tempDir } from '../test/helpers/temp.js';

const TOKEN = 'ghs_test0123456789abcdefTOKEN';
const REPO = 'octo/smartbot';
const HEAD = 'c0ffee'.padEnd(40, '0');
const dir = tempDir('smartbot-pr-comment-');
let risky: Plan;
let calm: Plan;
let gh: GitHubApi;

/** `smartbot pr-comment …` in-process, through the CLI's error handling, with fast timing. */
async function prComment(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCommand('pr-comment', (a, io) => prCommentCommand(a, io, fastClient()), argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const planFile = (plan: Plan, name = 'plan.json') => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(plan));
  return file;
};
const args = (plan: Plan, ...more: string[]) => ['--repo', REPO, '--pr', '7', '--plan', planFile(plan), ...more];
const sticky = () => [...gh.state.comments.values()].filter((c) => c.body.startsWith(MARKER));

beforeAll(async () => {
  const r = fixtureRepo();
  r.commit({ 'environments/prod.yaml': r.read('environments/prod.yaml').replace('minVersion: "1.3"', 'minVersion: "1.2"') });
  risky = await buildPlan({ root: r.dir, base: 'HEAD~1' });
  r.commit({ 'environments/dev.yaml': r.read('environments/dev.yaml').replace('level: debug', 'level: info') });
  calm = await buildPlan({ root: r.dir, base: 'HEAD~1' });
  r.remove();
  process.env.GITHUB_TOKEN = TOKEN;
  delete process.env.GITHUB_API_URL;
});

githubApiPerTest({ tokens: { [TOKEN]: { login: 'github-actions[bot]', type: 'Bot' }, other: { login: 'mallory', type: 'User' } } }, (server) => {
  gh = server;
  gh.addPull(REPO, 7, HEAD);
});

afterAll(() => {
  delete process.env.GITHUB_TOKEN;
  rmSync(dir, { recursive: true, force: true });
});

describe('smartbot pr-comment', () => {
  it('posts one sticky comment, a failure status and the risk label (created) for a blocking plan', async () => {
    const r = await prComment(args(risky));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(sticky()).toHaveLength(1);
    expect(sticky()[0]!.body).toContain('`tls-min-version-lowered`');
    expect(gh.state.statuses).toEqual([
      { repo: REPO, sha: HEAD, state: 'failure', context: 'smartbot/plan', description: '1 blocking risk: tls-min-version-lowered', target_url: null },
    ]);
    expect(gh.state.labels.get(REPO)?.get('smartbot:risk')).toMatchObject({ color: 'd93f0b' });
    expect([...gh.state.issueLabels.get(`${REPO}#7`)!]).toEqual(['smartbot:risk']);
    expect(r.out).toMatch(/^comment created: https:\/\/github\.com\/octo\/smartbot\/pull\/7#issuecomment-\d+ \([\d,]+ characters\)\nstatus failure on c0ffee0 \(smartbot\/plan\): 1 blocking risk: tls-min-version-lowered\nlabel smartbot:risk: added\n$/);
  });

  it('updates the same comment on the next run, never a second one, and drops the label when risks are gone', async () => {
    await prComment(args(risky));
    const first = sticky()[0]!.id;
    gh.addPull(REPO, 7, 'f'.repeat(40)); // a new push
    const r = await prComment(args(calm, '--sha', 'f'.repeat(40)));
    expect(r.code).toBe(0);
    expect(sticky().map((c) => c.id)).toEqual([first]);
    expect(sticky()[0]!.body).not.toContain('tls-min-version-lowered');
    expect(r.out).toContain('comment updated: ');
    expect(gh.state.statuses.at(-1)).toMatchObject({ sha: 'f'.repeat(40), state: 'success', description: '1 environment changed, no risks' });
    expect([...gh.state.issueLabels.get(`${REPO}#7`)!]).toEqual([]);
    expect(r.out).toContain('label smartbot:risk: removed');
    // Same plan again: nothing to write.
    expect((await prComment(args(calm, '--sha', 'f'.repeat(40)))).out).toContain('comment unchanged: ');
  });

  it("a late run for an older push does not overwrite the plan of the pull request's current head", async () => {
    await prComment(args(calm)); // for the current head
    const r = await prComment(args(risky, '--sha', 'a'.repeat(40))); // a run of an earlier push, finishing late
    expect(r.out).toContain('comment kept newer: ');
    expect(sticky()[0]!.body).not.toContain('tls-min-version-lowered');
  });

  it('a committer date in the future pins nothing: the next run for the current head replaces it', async () => {
    const future: Plan = { ...risky, head: { ...risky.head, date: '2099-01-01T00:00:00Z' } };
    expect((await prComment(args(future, '--sha', 'a'.repeat(40)))).out).toContain('comment created: ');
    const r = await prComment(args(calm));
    expect(r.out).toContain('comment updated: ');
    expect(sticky()[0]!.body).not.toContain('tls-min-version-lowered');
  });

  it('two runs racing on a pull request without a comment leave exactly one', async () => {
    // Both first listings are held until both arrived: both see no comment, both create one.
    gh.barrier('issues/list-comments', 2);
    const [a, b] = await Promise.all([prComment(args(risky)), prComment(args(risky))]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(gh.requests.filter((r) => r.operationId === 'issues/create-comment')).toHaveLength(2);
    expect(gh.requests.filter((r) => r.operationId === 'issues/delete-comment' && r.status === 204)).toHaveLength(1);
    expect(sticky()).toHaveLength(1);
  });

  it('finds its comment on a later page and leaves comments by others, even with the marker, alone', async () => {
    for (let i = 0; i < 150; i++) gh.addComment(REPO, 7, `LGTM ${i}`, { login: 'reviewer', type: 'User' });
    const forged = gh.addComment(REPO, 7, `${MARKER}\nforged`, { login: 'mallory', type: 'User' });
    const ours = gh.addComment(REPO, 7, `${MARKER}\nold plan`, { login: 'github-actions[bot]', type: 'Bot' });
    const r = await prComment(args(calm));
    expect(r.code).toBe(0);
    expect(gh.state.comments.get(ours.id)!.body).toContain('## smartbot plan');
    expect(gh.state.comments.get(forged.id)!.body).toBe(`${MARKER}\nforged`);
    // 152 comments, 30 a page (a page of 100 comments of 65,536 characters could pass the byte cap).
    expect(gh.requests.filter((q) => q.operationId === 'issues/list-comments').length).toBe(6);
  });

  it("stays under GitHub's 65,536 characters by construction, edited in place, its footer linking the whole plan", async () => {
    const g = risky.groups[0]!;
    const big = (n: number, lines: number) => ({
      ...g,
      environments: [`env-${n}`],
      objects: { ...g.objects!, changed: [{ id: `Deployment env-${n}/big`, file: 'x', diff: `--- a\n+++ b\n@@ -1,${lines} +1,${lines} @@\n${'-old line\n+new line\n'.repeat(lines)}`, size: 2 * lines }] },
    });
    const huge: Plan = { ...risky, groups: [...Array.from({ length: 40 }, (_, i) => big(i, 100 + 10 * i)), big(99, 3)] };
    const r = await prComment(args(huge, '--details-url', 'https://github.com/octo/smartbot/actions/runs/42'));
    expect(r.code).toBe(0);
    const body = sticky()[0]!.body;
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body).toMatch(/<sub>Shortened to fit GitHub's comment size limit, group by group: \d+ groups with full diffs, \d+ groups as per-object summaries/);
    expect(body).toContain('The whole plan — every environment of every group, every diff — is in the `smartbot-plan` artifact of [this workflow run](https://github.com/octo/smartbot/actions/runs/42).');
    // The first groups keep their diffs; later ones are listed per object, none is cut mid-diff.
    expect(body).toContain('Deployment env-0/big</code> (200 lines changed)</summary>');
    expect(body).toMatch(/- ✏️ `Deployment env-\d+\/big` \(\d+ lines changed\)/);
    expect((body.match(/^```/gm)?.length ?? 0) % 2).toBe(0);
    expect(r.out).toContain('cut to fit');
  });

  it('retries a 5xx and succeeds', async () => {
    gh.failNext('issues/create-comment', { status: 502, body: { message: 'Bad Gateway' } });
    const r = await prComment(args(calm));
    expect(r.code).toBe(0);
    expect(gh.requests.filter((q) => q.operationId === 'issues/create-comment').map((q) => q.status)).toEqual([502, 201]);
    expect(sticky()).toHaveLength(1);
  });

  const failures: [string, () => void, RegExp][] = [
    ['a bad token (401)', () => (process.env.GITHUB_TOKEN = 'ghs_wrongTOKEN'), /^smartbot pr-comment: GitHub rejected the token while reading pull request octo\/smartbot#7 \(401: Bad credentials\); set GITHUB_TOKEN to a valid token\n$/],
    [
      'a token without permission (403)',
      () => gh.failNext('issues/create-comment', { status: 403, body: { message: 'Resource not accessible by integration' } }),
      /^smartbot pr-comment: GitHub refused creating the plan comment on octo\/smartbot#7 \(403: Resource not accessible by integration\); the token needs pull-requests: write, issues: write and statuses: write \(in a workflow: its permissions block\)\n$/,
    ],
    ['an unknown repository (404)', () => gh.state.repos.delete(REPO), /^smartbot pr-comment: GitHub found nothing while reading pull request octo\/smartbot#7 \(404: Not Found\); check --repo and --pr, and that the token can see the repository\n$/],
    [
      'an exhausted rate limit',
      () => gh.failNext('issues/list-comments', { status: 403, body: { message: 'API rate limit exceeded' }, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1893456000' } }),
      /^smartbot pr-comment: GitHub API rate limit exhausted while listing the comments of octo\/smartbot#7 \(403\); it resets until 2030-01-01T00:00:00Z: run again then\n$/,
    ],
    [
      'a secondary rate limit that does not clear',
      () => gh.failNext('repos/create-commit-status', { status: 429, body: { message: 'You have exceeded a secondary rate limit' }, headers: { 'retry-after': '120' }, times: 4 }),
      /^smartbot pr-comment: GitHub's secondary rate limit stopped setting the commit status on c0ffee0 \(429, retry after 120 s\); run again later\n$/,
    ],
    ['a 5xx that persists', () => gh.failNext('issues/list-comments', { status: 503, body: { message: 'Service Unavailable' }, times: 5 }), /^smartbot pr-comment: GitHub failed while listing the comments of octo\/smartbot#7 \(503: Service Unavailable\), also on retrying; run again later\n$/],
  ];
  it.each(failures)('%s: one clear line, exit 2, no token', async (_name, arrange, expected) => {
    arrange();
    const r = await prComment(args(calm));
    process.env.GITHUB_TOKEN = TOKEN;
    expect(r.code).toBe(2);
    expect(r.err).toMatch(expected);
    expect(r.out + r.err).not.toMatch(/ghs_/);
  });

  it('retried a persisting 5xx three times in all', async () => {
    gh.failNext('issues/list-comments', { status: 503, body: { message: 'Service Unavailable' }, times: 5 });
    await prComment(args(calm));
    expect(gh.requests.filter((q) => q.operationId === 'issues/list-comments')).toHaveLength(3);
  });

  it('refuses bad usage with exit 2 and one line', async () => {
    const usage = (line: string) => `smartbot pr-comment: ${line}\nRun \`smartbot pr-comment --help\` for usage.\n`;
    expect(await prComment(['--pr', '7', '--plan', planFile(calm)])).toMatchObject({ code: 2, err: usage('--repo must be OWNER/NAME') });
    expect((await prComment(['--repo', REPO, '--pr', 'seven', '--plan', planFile(calm)])).err).toBe(usage('--pr must be a pull request number, got "seven"'));
    writeFileSync(join(dir, 'bad.json'), '{"version": 2}');
    expect((await prComment(['--repo', REPO, '--pr', '7', '--plan', join(dir, 'bad.json')])).err).toBe(usage(`${join(dir, 'bad.json')} is not a smartbot plan; write it with \`smartbot plan --format json\``));
    writeFileSync(join(dir, 'old.json'), '{"version": 1, "environments": []}');
    expect((await prComment(['--repo', REPO, '--pr', '7', '--plan', join(dir, 'old.json')])).err).toBe(usage(`${join(dir, 'old.json')} is a plan from an older smartbot (version 1); write it again with \`smartbot plan --format json\``));
    expect((await prComment([...args(calm), '--deadline', '0'])).err).toBe(usage('--deadline must be a number of seconds above 0, got "0"'));
    delete process.env.GITHUB_TOKEN;
    const r = await prComment(args(calm));
    process.env.GITHUB_TOKEN = TOKEN;
    expect(r).toMatchObject({ code: 2, err: usage('GITHUB_TOKEN is not set (in a workflow: env: GITHUB_TOKEN: ${{ github.token }})') });
    expect(gh.requests).toEqual([]);
  });

  it('runs as the real bin, reading the plan from standard input', async () => {
    const { spawn } = await import('node:child_process');
    const { repoRoot } = await import('../test/helpers/env.js');
    const child = spawn(process.execPath, [join(repoRoot, 'bin/smartbot.js'), 'pr-comment', '--repo', REPO, '--pr', '7'], { env: { ...process.env, GITHUB_API_URL: gh.url, GITHUB_TOKEN: TOKEN } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.stdin.end(JSON.stringify(calm));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('status success on c0ffee0');
    expect(sticky()).toHaveLength(1);
  });
});

describe('the GitHub contract server', () => {
  it('fails a request the REST description does not allow', async () => {
    const post = (path: string, body: unknown) => fetch(`${gh.url}${path}`, { method: 'POST', headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/repos/octo/smartbot/issues/7/comments', { bdy: 'typo' })).status).toBe(400);
    expect((await post('/repos/octo/smartbot/issues/seven/comments', { body: 'x' })).status).toBe(400);
    expect((await fetch(`${gh.url}/repos/octo/smartbot/issues/7/comments?perpage=5`, { headers: { authorization: `token ${TOKEN}` } })).status).toBe(400);
    expect((await post('/repos/octo/smartbot/statuses/abc', { state: 'green' })).status).toBe(400);
    expect((await fetch(`${gh.url}/repos/octo/smartbot/no-such-thing`, { method: 'PUT' })).status).toBe(404);
    expect(gh.violations).toEqual([
      "POST /repos/octo/smartbot/issues/7/comments: request body fails issues/create-comment's schema: (root) must have required property 'body'",
      'POST /repos/octo/smartbot/issues/seven/comments: path parameter "issue_number"="seven": /v must be integer',
      'GET /repos/octo/smartbot/issues/7/comments?perpage=5: query parameter "perpage" is not in issues/list-comments',
      "POST /repos/octo/smartbot/statuses/abc: request body fails repos/create-commit-status's schema: /state must be equal to one of the allowed values",
      'PUT /repos/octo/smartbot/no-such-thing: no operation in the REST description for PUT /repos/octo/smartbot/no-such-thing',
    ]);
    expect(() => gh.assertClean()).toThrow(/outside GitHub's REST description/);
    gh.violations.length = 0;
  });

  it('answers schema-valid bodies built from the description', () => {
    const r = gh.respond('pulls/get', 200, { number: 7 });
    expect(r.body).toMatchObject({ number: 7, head: { sha: expect.any(String) }, merged_by: null, user: { login: expect.any(String) } });
  });
});

describe('smartbot pr-comment against a GitHub that misbehaves', () => {
  /** A local server doing `answer` to every request; closed afterwards. */
  async function misbehaving(answer: (res: import('node:http').ServerResponse) => void, run: (url: string) => Promise<void>) {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
    try {
      await run(url);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }
  const limited = async (url: string, limits: object) => {
    process.env.GITHUB_API_URL = url;
    let err = '';
    const t0 = Date.now();
    const code = await runCommand('pr-comment', (a, io) => prCommentCommand(a, io, { ...fastClient(), limits }), args(calm), { out: () => {}, err: (t) => (err += t) });
    delete process.env.GITHUB_API_URL;
    return { code, err, ms: Date.now() - t0 };
  };

  it('a request that never answers ends at its deadline, and the run at its own', async () => {
    await misbehaving(
      () => {},
      async (url) => {
        const r = await limited(url, { requestMs: 1000, runMs: 60_000 });
        expect(r.code).toBe(2);
        expect(r.err).toBe(`smartbot pr-comment: cannot reach the GitHub API at ${url} while reading pull request octo/smartbot#7 (no complete answer within 1 s, the per-request deadline); check GITHUB_API_URL and the network\n`);
        // Three attempts of a second each, and the retry waits.
        expect(r.ms).toBeLessThan(10_000);
        const run = await limited(url, { requestMs: 30_000, runMs: 1500 });
        expect(run.err).toBe(`smartbot pr-comment: cannot reach the GitHub API at ${url} while reading pull request octo/smartbot#7 (the run's 2 s deadline passed); check GITHUB_API_URL and the network\n`);
        expect(run.ms).toBeLessThan(5000);
      },
    );
  });

  it('an answer that never ends is cut at the byte cap', async () => {
    await misbehaving(
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(16 * 1024, 0x20);
        const pump = () => {
          while (res.write(chunk));
          res.once('drain', pump);
        };
        res.on('error', () => {});
        pump();
      },
      async (url) => {
        const r = await limited(url, { responseBytes: 256 * 1024 });
        expect(r.code).toBe(2);
        expect(r.err).toBe(`smartbot pr-comment: cannot reach the GitHub API at ${url} while reading pull request octo/smartbot#7 (an answer over the 262144-byte cap); check GITHUB_API_URL and the network\n`);
      },
    );
  });
});
