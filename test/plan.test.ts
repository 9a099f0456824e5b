// Golden tests of `smartbot plan`: before/after repositories made with git in temporary
// directories, planned through the CLI, compared with test/fixtures/plan/<case>.txt.
// After an intended change to templates, tiers or the plan output:
//   UPDATE_GOLDEN=1 npx vitest run test/plan.test.ts   (then review the diff)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    expect(p.out).toContain('── dev (changed: environments/dev.yaml changed)\n  head: valid, 1 warning\n  fields:\n    replicas 1 → 2  (environments/dev.yaml:3)\n');
    expect(p.out).toContain('  + PodDisruptionBudget smartbot-dev/smart-bot-service');
    golden('replicas.txt', p.out);
  });

  it('a tier default that ripples into every environment, named once with its tier line', async () => {
    const r = scenario((r) => replace(r, 'environments/tiers/base.yaml', 'p99LatencySeconds: { threshold: 2,', 'p99LatencySeconds: { threshold: 1.5,'));
    const p = await plan(r);
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/^ {4}monitoring\.alerts\.p99LatencySeconds\.threshold 2 → 1\.5 {2}\(tier default, environments\/tiers\/base\.yaml:\d+\)$/m);
    expect(p.out).toContain('tier-ripple  4 environments (dev, multi, prod and 1 more): environments/tiers/base.yaml changes defaults of 4 environments at once');
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
    const p = JSON.parse((await plan(r, 'json')).out) as { groups: { environments: string[]; status: string; because: string[] }[] };
    expect(p.groups.map((g) => [g.environments.join(), g.status, g.because]).sort()).toEqual([
      ['develop', 'renamed', ['renamed from environments/dev.yaml', 'environments/tiers/base.yaml changed']],
      ['multi', 'changed', ['environments/tiers/base.yaml changed']],
      ['prod', 'changed', ['environments/tiers/base.yaml changed']],
      ['staging', 'changed', ['environments/tiers/base.yaml changed']],
    ]);
  });

  it('a change that reaches nothing says so and exits 0', async () => {
    const r = scenario((r) => replace(r, 'environments/dev.yaml', '# dev:', '# dev (comment only):'));
    const p = await plan(r);
    expect(p.code).toBe(0);
    expect(p.out).toContain('no environment changes (1 reached, none differs)');
    expect(p.out).toContain('Reached by a changed file, nothing differs: 1 environment');
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

  it('a past line of the key history rewritten (the forged-admin case, keyring edited to match) is a blocking risk on the line, for the environment it names', async () => {
    const log = readFileSync(join(repoRoot, 'audit/key-rotations.jsonl'), 'utf8');
    const r = fixtureRepo();
    repos.push(r);
    r.commit({ 'audit/key-rotations.jsonl': log }, 'the history');
    const attacker = 'a77ac4e5'.repeat(8);
    const lines = log.split('\n');
    const real = (JSON.parse(lines[1]!) as { key: { sha256: string } }).key.sha256;
    lines[1] = `${lines[1]!.slice(0, -1)},"keyFingerprint":"${attacker.slice(0, 12)}","key":{"name":"ops","scopes":["admin"],"notBefore":"2026-11-26T21:55:36.532Z","sha256":"${attacker}"}}`;
    r.commit({ 'audit/key-rotations.jsonl': lines.join('\n'), 'keyrings/dev.json': r.read('keyrings/dev.json').replace(real, attacker).replace('"id":"ops.1","name":"ops","status":"revoked"', '"id":"ops.1","name":"ops","status":"active"') }, 'forged');
    const p = await plan(r);
    expect(p.code).toBe(1);
    expect(p.out).toContain(
      '  ✖ blocking  audit-rewritten  dev: audit/key-rotations.jsonl line 2 (seq 2) differs from the base\'s: an existing audit entry was changed: the key history is append-only, and a rewritten entry can carry a key nobody recorded  (audit/key-rotations.jsonl:2)',
    );
    // Appending is no risk.
    const grown = fixtureRepo();
    repos.push(grown);
    grown.commit({ 'audit/key-rotations.jsonl': log.split('\n').slice(0, 2).join('\n') + '\n' }, 'two entries');
    grown.commit({ 'audit/key-rotations.jsonl': log }, 'two more');
    expect((await plan(grown)).out).not.toContain('audit-rewritten');
  });

  it("docs/plan.md's risk table lists every risk in the catalogue, with its blocking flag", () => {
    const readme = readFileSync(join(repoRoot, 'docs/plan.md'), 'utf8');
    const rows = new Map([...readme.matchAll(/^\| `([a-z0-9-]+)` \| (✖?) *\|/gm)].map((m) => [m[1]!, m[2] === '✖']));
    for (const [id, def] of Object.entries(RISKS)) expect([id, rows.get(id)]).toEqual([id, def.blocking]);
  });
});

describe('smartbot plan — fleets and hostile input', () => {
  /** `copies` environments made from dev, each with its own namespace. */
  const fleet = (copies: number) => {
    const dev = readFileSync(join(repoRoot, 'environments/dev.yaml'), 'utf8');
    return Object.fromEntries(Array.from({ length: copies }, (_, i) => [`environments/dev-${String(i).padStart(2, '0')}.yaml`, dev.replace('namespace: smartbot-dev', `namespace: smartbot-dev-${String(i).padStart(2, '0')}`)]));
  };

  it('groups environments with the same change: shown once with its count, every name in the JSON', async () => {
    const r = scenario(() => fleet(12));
    r.commit(replace(r, 'environments/tiers/base.yaml', '  cpu: "2"\n', '  cpu: "3"\n'));
    const text = await plan(r);
    expect(text.out).toContain('15 environments in 3 groups (15 changed) · 15 environments restart pods · 1 risk · head valid · 1 reached, unchanged\n');
    expect(text.out).toContain('── 13 environments (changed: environments/tiers/base.yaml changed)\n  dev, dev-00, dev-01 and 10 more\n  head: valid, 1 warning\n  fields:\n    resources.cpu "2" → "3"  (tier default, environments/tiers/base.yaml:25)\n  restarts pods: Deployment smartbot-dev/smart-bot-service (config checksum, resources)\n');
    const json = JSON.parse((await plan(r, 'json')).out) as { groups: { environments: string[] }[] };
    expect(json.groups[0]!.environments).toEqual(['dev', ...Object.keys(fleet(12)).map((f) => f.slice(13, -5))]);
  });

  it('prints the same plan, byte for byte, whatever the number of worker threads, and leaves nothing in the temp dir', () => {
    const r = scenario(() => fleet(12));
    r.commit(replace(r, 'environments/tiers/base.yaml', '  cpu: "2"\n', '  cpu: "3"\n'));
    const tmp = mkdtempSync(join(tmpdir(), 'smartbot-plan-tmp-'));
    try {
      const env = { ...process.env, TMPDIR: tmp };
      const outs = ['1', '3'].flatMap((jobs) => ['md', 'json'].map((format) => spawnCli(['plan', '--root', r.dir, '--base', 'HEAD~1', '--format', format, '--jobs', jobs], { env })));
      for (const o of outs) expect([o.code, o.err]).toEqual([0, '']);
      expect(outs[2]!.out).toBe(outs[0]!.out);
      expect(outs[3]!.out).toBe(outs[1]!.out);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);

  it('--from formats a JSON plan without planning again: the same text as planning', async () => {
    const r = scenario((r) => replace(r, 'environments/prod.yaml', 'minVersion: "1.3"', 'minVersion: "1.2"'));
    const json = await runCli('plan', '--root', r.dir, '--base', 'HEAD~1', '--format', 'json');
    const file = join(r.dir, 'plan.json');
    writeFileSync(file, json.out);
    const from = await runCli('plan', '--from', file, '--format', 'text');
    expect(from.out).toBe((await runCli('plan', '--root', r.dir, '--base', 'HEAD~1')).out);
    expect(from.code).toBe(1);
    expect((await runCli('plan', '--from', file, '--base', 'HEAD')).err).toContain('--from FILE formats a plan already made: leave out --base and --head');
  });

  it('checks a blob’s type and size before reading it: a refusal located at the file', async () => {
    const r = scenario(() => ({
      'environments/big.yaml': `tier: base\n# ${'x'.repeat(2 ** 20)}\n`,
      // Not an environment: never read, however large.
      'environments/notes.bin': 'y'.repeat(8 * 2 ** 20),
    }));
    symlinkSync('../keyrings/dev.json', join(r.dir, 'environments/link.yaml'));
    r.commit({});
    const p = await runCli('plan', '--root', r.dir, '--base', 'HEAD~2', '--format', 'json');
    const groups = (JSON.parse(p.out) as { groups: { environments: string[]; validation: { diagnostics: { file: string; line: number; rule: string; message: string }[] } }[] }).groups;
    const diagnostics = (env: string) => groups.find((g) => g.environments.includes(env))!.validation.diagnostics.map((d) => `${d.file}:${d.line} ${d.rule}: ${d.message}`);
    expect(diagnostics('big')).toEqual(['environments/big.yaml:1 file-too-large: environments/big.yaml is 1.0 MiB, over the 1.0 MiB limit for environment, tier and keyring files']);
    expect(diagnostics('link')).toEqual([expect.stringMatching(/^environments\/link\.yaml:1 file-symlink: /)]);
    expect(p.out).not.toContain('notes');
    expect(p.code).toBe(1);
  });

  it('masks inline secrets in every form, as validate does', async () => {
    const secret = 'Sup3rS3cretPassw0rd';
    const r = scenario((r) => replace(r, 'environments/dev.yaml', 'sync:\n', `cache:\n  redis:\n    enabled: true\n    url: redis://:${secret}@redis:6379\nsync:\n`));
    for (const format of ['text', 'md', 'json']) {
      const out = (await plan(r, format)).out;
      expect(out).not.toContain(secret);
      expect(out).toContain('secret masked: a password inside a URL');
    }
    expect((await plan(r)).out).toContain('    cache.redis.url (unset) → "<secret masked: a password inside a URL>"  (environments/dev.yaml:');
  });

  it('escapes control characters from a file name in the text form', async () => {
    const r = scenario((r) => ({ 'environments/evil\x1b]0;pwned\x07\r.yaml': r.read('environments/dev.yaml') }));
    const p = await plan(r);
    expect(p.out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(p.out).toContain('── evil\\x1b]0;pwned\\x07\\r (added: environments/evil\\x1b]0;pwned\\x07\\r.yaml added)');
  });
});
