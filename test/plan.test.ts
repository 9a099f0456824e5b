// Golden tests of `smartbot plan`: before/after repositories made with git in temporary
// directories, planned through the CLI, compared with test/fixtures/plan/<case>.txt.
// After an intended change to templates, tiers or the plan output:
//   UPDATE_GOLDEN=1 npx vitest run test/plan.test.ts   (then review the diff)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatKeyring } from '../contract/keyring-file.js';
import { MEASURED_KNEE_PERCENT } from '../contract/scaling.js';
import { RISKS } from '../plan/risks.js';
import { runCli, spawnCli } from './helpers/cli.js';
import { repoRoot } from './helpers/env.js';
import { fixtureRepo, type FixtureRepo } from './helpers/git-repo.js';

const goldenDir = join(repoRoot, 'test/fixtures/plan');
const repos: FixtureRepo[] = [];
afterAll(() => repos.forEach((r) => r.remove()));

/** A fresh repository holding the project's environments, with `edit` committed on top. */
function scenario(edit: (r: FixtureRepo) => Record<string, string | null>): FixtureRepo {
  const r = fixtureRepo();
  repos.push(r);
  r.commit(edit(r), 'the change');
  return r;
}

async function plan(r: FixtureRepo, format = 'text') {
  const result = await runCli('plan', '--root', r.dir, '--base', 'HEAD~1', '--format', format);
  // Commit ids depend on every file's bytes; the goldens should not.
  const base = r.git('rev-parse', '--short=7', 'HEAD~1').trim();
  const head = r.git('rev-parse', '--short=7', 'HEAD').trim();
  return { ...result, out: result.out.split(base).join('<base>').split(head).join('<head>') };
}

function golden(name: string, actual: string) {
  const file = join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const replace = (r: FixtureRepo, path: string, from: string | RegExp, to: string) => {
  const text = r.read(path);
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${path}: ${String(from)} not found`);
  return { [path]: next };
};

describe('smartbot plan — golden cases', () => {
  it('a replica change: field, objects (PDB added, PVC access mode), exit 0', async () => {
    const r = scenario((r) => replace(r, 'environments/dev.yaml', 'tier: base\n', 'tier: base\nreplicas: 2\n'));
    const p = await plan(r);
    expect(p.code).toBe(0);
    expect(p.out).toContain('  dev: replicas 1 → 2  (environments/dev.yaml:3)\n');
    expect(p.out).toContain('  + PodDisruptionBudget smartbot-dev/smart-bot-service');
    golden('replicas.txt', p.out);
  });

  it('a tier default that ripples into every environment, named once with its tier line', async () => {
    const r = scenario((r) => replace(r, 'environments/tiers/base.yaml', 'p99LatencySeconds: { threshold: 2,', 'p99LatencySeconds: { threshold: 1.5,'));
    const p = await plan(r);
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/^ {2}dev, prod, staging: monitoring\.alerts\.p99LatencySeconds\.threshold 2 → 1\.5 {2}\(tier default, environments\/tiers\/base\.yaml:\d+\)$/m);
    expect(p.out).toContain('tier-ripple  dev, prod, staging: environments/tiers/base.yaml changes defaults of 3 environments at once');
    golden('tier-ripple.txt', p.out);
    golden('tier-ripple.md', (await plan(r, 'md')).out);
  });

  it('a new environment and a deleted one, with the deleted one’s prune list: blocking', async () => {
    const r = scenario((r) => ({
      'environments/dev.yaml': null,
      'environments/qa.yaml': r.read('environments/staging.yaml').replace('# staging:', '# qa:').replace('smartbot-staging', 'smartbot-qa').replace(/\n {2}engine: flux\n {2}cluster: staging\n/, '\n'),
    }));
    const p = await plan(r);
    expect(p.code).toBe(1);
    expect(p.out).toContain('── dev (removed: environments/dev.yaml deleted)');
    expect(p.out).toContain('── qa (added: environments/qa.yaml added)');
    expect(p.out).toContain('deleted when synced — deleting Argo CD Application smartbot-dev (its resources finalizer cascades):');
    expect(p.out).toContain('    ✖ PersistentVolumeClaim smartbot-dev/smart-bot-service-models');
    expect(p.out).toMatch(/✖ blocking {2}prune-deletes-pvc {2}dev: /);
    golden('added-removed.txt', p.out);
  });

  it('a TLS downgrade is flagged as blocking, at its line', async () => {
    const r = scenario((r) => replace(r, 'environments/prod.yaml', 'minVersion: "1.3"', 'minVersion: "1.2"'));
    const p = await plan(r);
    expect(p.code).toBe(1);
    expect(p.out).toMatch(/✖ blocking {2}tls-min-version-lowered {2}prod: TLS minVersion lowered from 1\.3 to 1\.2: .* {2}\(environments\/prod\.yaml:\d+\)/);
    golden('tls-downgrade.txt', p.out);
  });

  it('a scaling change: the ScaledObject diff, no Deployment, and the scaling risks', async () => {
    const r = scenario((r) => replace(r, 'environments/prod.yaml', 'autoscaling:\n  min: 3\n  max: 10\n', `autoscaling:\n  min: 3\n  max: 6\n  targetBusyPercent: ${MEASURED_KNEE_PERCENT + 15}\n`));
    const p = await plan(r);
    expect(p.code).toBe(0);
    expect(p.out).toContain('  ~ ScaledObject smartbot-prod/smart-bot-service  (rendered/prod/kubernetes/scaledobject.yaml)');
    expect(p.out).not.toContain('~ Deployment');
    expect(p.out).toMatch(/⚠ review {4}autoscaling-max-lowered {2}prod: autoscaling\.max lowered from 10 to 6: .* {2}\(environments\/prod\.yaml:\d+\)/);
    expect(p.out).toMatch(/⚠ review {4}autoscaling-target-past-knee {2}prod: autoscaling\.targetBusyPercent raised from \d+ to \d+, past the measured knee/);
    golden('scaling.txt', p.out);
  });

  it('a model swap without a sha256 change is flagged as blocking', async () => {
    const r = scenario((r) => replace(r, 'environments/prod.yaml', 'path: /data/models/demo.gguf', 'path: /data/models/demo-v2.gguf'));
    const p = await plan(r);
    expect(p.code).toBe(1);
    expect(p.out).toContain('model-sha256-unchanged  prod: the model changes (/data/models/demo.gguf → /data/models/demo-v2.gguf) but model.sha256 does not');
    golden('model-swap.txt', p.out);
  });

  it('a change to a Secret-bearing object (the keyring) is shown redacted', async () => {
    const hash = 'a'.repeat(20) + '0123456789abcdef0123456789abcdef0123456789ab';
    // Created now: prod's 90-day maximum key age must not make the head invalid (the text keeps its length).
    const now = new Date().toISOString();
    const entry = { id: 'ci.1', name: 'ci', status: 'active' as const, scopes: ['admin' as const], created: now, notBefore: now, sha256: hash };
    const r = scenario(() => ({ 'keyrings/prod.json': formatKeyring([entry]) }));
    const p = await plan(r);
    expect(p.code).toBe(0);
    expect(p.out).toContain('── prod (changed: keyrings/prod.json changed)');
    expect(p.out).toContain('  ~ ConfigMap smartbot-prod/smart-bot-service-keyring  (rendered/prod/kubernetes/keyring.yaml, secret values redacted)');
    expect(p.out).toMatch(/\+ {2}keyring\.json: <redacted \d+ bytes, changed>/);
    expect(p.out).toContain('auth-opened  prod: API key "ci.1" with admin scope is added to keyrings/prod.json');
    for (const format of ['text', 'md', 'json']) {
      const out = (await plan(r, format)).out;
      expect(out).not.toContain(hash.slice(20));
    }
    golden('secret-redacted.txt', p.out);
  });

  it('an invalid head: exit 1 with the located errors, objects not rendered', async () => {
    const r = scenario((r) => replace(r, 'environments/prod.yaml', 'replicas: 3', 'replicas: "two"'));
    const p = await plan(r);
    expect(p.code).toBe(1);
    expect(p.out).toContain('  head: INVALID (1 error)');
    expect(p.out).toContain('    environments/prod.yaml:4:11  error  `replicas` must be an integer, got string "two"  [schema-type]');
    expect(p.out).toContain('  objects: not compared — the head does not validate, so its objects are not rendered');
    golden('invalid-head.txt', p.out);
  });
});

describe('smartbot plan — more cases', () => {
  it('a renamed environment: its Application goes, so Argo CD deletes its objects first', async () => {
    const r = scenario((r) => ({ 'environments/dev.yaml': null, 'environments/develop.yaml': r.read('environments/dev.yaml') }));
    const p = await plan(r);
    expect(p.out).toContain('── develop (renamed from dev: renamed from environments/dev.yaml)');
    expect(p.out).toContain('  + Application argocd/smartbot-develop');
    expect(p.out).toContain('deleting Argo CD Application smartbot-dev (its resources finalizer cascades)');
    expect(p.code).toBe(1);
  });

  it('a rename in the same change as a tier edit is still one renamed environment', async () => {
    const r = scenario((r) => ({
      'environments/dev.yaml': null,
      'environments/develop.yaml': r.read('environments/dev.yaml'),
      ...replace(r, 'environments/tiers/base.yaml', 'maxFile: 3', 'maxFile: 5'),
    }));
    const p = JSON.parse((await plan(r, 'json')).out) as { environments: { name: string; status: string; because: string[] }[] };
    expect(p.environments.map((e) => [e.name, e.status, e.because])).toEqual([
      ['develop', 'renamed', ['renamed from environments/dev.yaml', 'environments/tiers/base.yaml changed']],
      ['prod', 'changed', ['environments/tiers/base.yaml changed']],
      ['staging', 'changed', ['environments/tiers/base.yaml changed']],
    ]);
  });

  it('a change that reaches nothing says so and exits 0', async () => {
    const r = scenario((r) => replace(r, 'environments/dev.yaml', '# dev:', '# dev (comment only):'));
    const p = await plan(r);
    expect(p.code).toBe(0);
    expect(p.out).toContain('no environment changes (1 reached, none differs)');
    expect(p.out).toContain('Reached by a changed file, nothing differs: dev');
  });

  it('exits 2 with one line for an unknown ref, and outside a git repository', async () => {
    const r = scenario(() => ({}));
    const bad = spawnCli(['plan', '--root', r.dir, '--base', 'no-such-branch']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('smartbot plan: unknown git ref "no-such-branch": no such commit in this repository (fetch it first, e.g. `git fetch origin main`, or check the name)\n');
    const outside = await runCli('plan', '--root', '/', '--base', 'HEAD');
    expect(outside.code).toBe(2);
    expect(outside.err).toMatch(/^smartbot plan: \/ is not inside a git repository/);
    expect((await runCli('plan')).err).toContain('--base REF is required');
  });

  // Not where git itself refuses the checkout (CI's root job over a checkout owned by the runner user).
  const gitReadsThisRepository = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot }).status === 0;
  it.runIf(gitReadsThisRepository)('works on this repository itself, leaving the work tree and index untouched', () => {
    const status = () => execFileSync('git', ['status', '--porcelain'], { cwd: repoRoot, encoding: 'utf8' });
    const before = status();
    // HEAD against itself: a shallow CI clone may not hold HEAD~1.
    const p = spawnCli(['plan', '--base', 'HEAD']);
    expect(p.err).toBe('');
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/^smartbot plan: base [0-9a-f]{7} \(HEAD\) → head [0-9a-f]{7} \(HEAD\)\nno environment changes\n/);
    expect(status()).toBe(before);
  });

  it("docs/plan.md's risk table lists every risk in the catalogue, with its blocking flag", () => {
    const readme = readFileSync(join(repoRoot, 'docs/plan.md'), 'utf8');
    const rows = new Map([...readme.matchAll(/^\| `([a-z0-9-]+)` \| (✖?) *\|/gm)].map((m) => [m[1]!, m[2] === '✖']));
    for (const [id, def] of Object.entries(RISKS)) expect([id, rows.get(id)]).toEqual([id, def.blocking]);
  });
});
