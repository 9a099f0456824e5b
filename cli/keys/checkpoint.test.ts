// smartbot keys checkpoint: the head of the verified history as the annotated tag
// smartbot-audit/<seq>, signed with the workflow key once one is committed — printed, or created
// on main's commit through GitHub's API (the contract server checks each request) — and
// `keys verify --checkpoint` holding the history to it.
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeys } from '../../contract/jwt.js';
import { parseCheckpoint } from '../../keys/checkpoint.js';
import { runCli } from '../../test/helpers/cli.js';
import { repoRoot } from '../../test/helpers/env.js';
import { fixtureRepo, type FixtureRepo } from '../../test/helpers/git-repo.js';
import { fastClient, githubApiPerTest, type GitHubApi } from '../../test/helpers/github-api.js';
import { gitDataApi, type GitData } from '../../test/helpers/github-git.js';
import { keysCommand } from '../keys.js';
import { runCommand } from '../main.js';

const TOKEN = 'ghs_test0123456789abcdefCHECKPOINT';
const REPO = 'octo/smartbot';
const who = ['--actor', 'alice@example.com', '--ref', 'PR #3'];
let r: FixtureRepo;
let head: string;
let gh: GitHubApi;
let git: GitData;
const signing = generateSigningKeys();

const keys = (...args: string[]) => runCli('keys', ...args, '--root', r.dir);
async function checkpoint(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCommand('keys', (a, io) => keysCommand(a, io, fastClient()), ['checkpoint', '--root', r.dir, ...argv], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

beforeAll(async () => {
  // The repository's own history (4 entries) and keyrings, then one entry, the workflow key, one signed entry.
  r = fixtureRepo();
  cpSync(join(repoRoot, 'audit'), join(r.dir, 'audit'), { recursive: true });
  await keys('create', '--env', 'dev', '--id', 'web', '--reason', 'web', ...who);
  writeFileSync(join(r.dir, 'w.pub.pem'), signing.publicKeyPem);
  await keys('workflow-key', '--public-key', join(r.dir, 'w.pub.pem'));
  writeFileSync(join(r.dir, 'w.pem'), signing.privateKeyPem);
  await keys('create', '--env', 'dev', '--id', 'svc', '--reason', 'svc', '--sign-key', join(r.dir, 'w.pem'), ...who);
  head = r.commit({}, 'six entries');
  process.env.GITHUB_TOKEN = TOKEN;
});
afterAll(() => {
  delete process.env.GITHUB_TOKEN;
  delete process.env.GITHUB_API_URL;
  r.remove();
});

githubApiPerTest({ tokens: { [TOKEN]: { login: 'github-actions[bot]', type: 'Bot' } } }, (server) => {
  gh = server;
  git = gitDataApi(gh, REPO, { main: { sha: head, files: new Map() } });
});

describe('smartbot keys checkpoint', () => {
  it('prints the tag and its signed message; with the workflow key committed, a checkpoint without its private half is refused', async () => {
    const unsigned = await checkpoint();
    expect([unsigned.code, unsigned.err]).toEqual([2, 'smartbot keys: the workflow key is committed, so checkpoints are signed: give its private half (--sign-key FILE or $SMARTBOT_AUDIT_SIGNING_KEY)\nRun `smartbot keys --help` for usage.\n']);
    const c = await checkpoint('--sign-key', join(r.dir, 'w.pem'));
    expect(c.code).toBe(0);
    const [tag, blank, ...message] = c.out.split('\n');
    expect([tag, blank]).toEqual(['smartbot-audit/6', '']);
    expect(message.join('\n')).toMatch(/^smartbot audit checkpoint\n\nseq: 6\nhash: [0-9a-f]{64}\nsig: [0-9a-f]{128}\n$/);
  });

  it('creates the annotated tag on the commit through the API, once; verify --checkpoint then holds the history to it', async () => {
    const args = ['--repo', REPO, '--sha', head, '--sign-key', join(r.dir, 'w.pem')];
    const c = await checkpoint(...args);
    expect([c.code, c.err]).toEqual([0, '']);
    expect(c.out).toMatch(new RegExp(`^recorded smartbot-audit/6 on ${head.slice(0, 7)} in ${REPO}: seq 6, hash [0-9a-f]{12}…, signed\\n$`));
    expect(gh.requests.map((q) => q.operationId)).toEqual(['git/create-tag', 'git/create-ref']);
    const [tagId, tag] = [...git.tags][0]!;
    expect(git.refs.get('tags/smartbot-audit/6')).toBe(tagId);
    expect(tag.object).toBe(head);
    expect(parseCheckpoint(tag.message)).toMatchObject({ seq: 6 });
    const again = await checkpoint(...args);
    expect([again.code, again.out]).toEqual([0, `smartbot-audit/6 is already recorded in ${REPO}\n`]);

    // The tag as main's clone has it after `git fetch --tags`.
    r.git('tag', '-a', 'smartbot-audit/6', '-m', tag.message, head);
    expect((await keys('verify', '--checkpoint')).out).toMatch(/chain intact \(1 signed\); holds checkpoint smartbot-audit\/6; keys match the replay/);
    const forged = tag.message.replace(/^sig: (.)/m, (_, c: string) => `sig: ${c === '0' ? '1' : '0'}`);
    r.git('tag', '-f', '-a', 'smartbot-audit/6', '-m', forged, head);
    const v = await keys('verify', '--checkpoint');
    expect(v.code).toBe(1);
    expect(v.out).toContain("error  smartbot-audit/6's signature does not verify with the workflow key (forged?)  [audit-checkpoint]");
  });
});
