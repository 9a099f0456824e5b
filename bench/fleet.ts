// bench/fleet: the CLI at fleet scale, on git repositories of N synthetic environments
// (bench/synthetic.ts): validate, render (into an empty tree, then again unchanged, with and
// without the render cache), render --check, render of a tier change reaching two thirds, and plan of a one-line tier change reaching two thirds of them (resources.cpu in the
// base tier, which the enterprise tier overrides) and of a change that alters nothing (a comment).
// Each step is the real CLI in a child process, timed with /usr/bin/time: wall and CPU seconds,
// peak RSS (worker threads included), the size of what it printed, and the plan's group count.
// Targets (issue 22), for N = 10,000: plan ≤ 2× render and ≤ 1 GiB; comment ≤ 65,536
// characters; render ≤ 10 s; render --check output ≤ 20 KB. Figures, not a test.
// Usage: npm run bench:fleet [-- --sizes 1000,10000 --dir /dev/shm --jobs N]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../contract/paths.js';
import { syntheticRoot } from './synthetic.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,10000' }, dir: { type: 'string', default: existsSync('/dev/shm') ? '/dev/shm' : tmpdir() }, jobs: { type: 'string' } } });
const sizes = values.sizes.split(',').map(Number);
const gnuTime = existsSync('/usr/bin/time');
const cli = join(packageRoot, 'bin/smartbot.js');

interface Step {
  wall: number;
  cpu: number;
  rssMiB: number;
  out: string;
  code: number | null;
}

/** One CLI run in a child process: its wall and CPU time and peak RSS from GNU time. */
function run(args: string[], cwd: string): Step {
  const jobs = values.jobs && (args[0] === 'plan' || args[0] === 'render') ? ['--jobs', values.jobs] : [];
  const full = [cli, ...args, ...jobs];
  const t0 = performance.now();
  const p = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', '\n%e %U %S %M', process.execPath, ...full], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(process.execPath, full, { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = (performance.now() - t0) / 1000;
  const last = gnuTime ? p.stderr.trim().split('\n').at(-1)!.split(' ').map(Number) : [];
  if (p.status !== 0 && p.status !== 1) throw new Error(`smartbot ${args.join(' ')} exited ${p.status}: ${p.stderr.slice(0, 2000)}`);
  return { wall: gnuTime ? last[0]! : wall, cpu: gnuTime ? last[1]! + last[2]! : NaN, rssMiB: gnuTime ? last[3]! / 1024 : NaN, out: p.stdout, code: p.status };
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });

const kb = (s: string) => `${(Buffer.byteLength(s) / 1024).toFixed(1)} KB`;
const chars = (s: string) => s.length.toLocaleString('en-US');

console.log(`smartbot fleet benchmark — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} (availableParallelism ${availableParallelism()}), Node ${process.version}`);
console.log(`Trees under ${values.dir}, removed afterwards. Each step is the CLI in its own process; load average at start ${loadavg()[0]!.toFixed(1)}.`);
console.log('wall and CPU (user + sys, all threads) in seconds; peak RSS of the process, worker threads included.\n');
console.log('|      N | step | wall s | CPU s | peak RSS MiB | output | groups |');
console.log('|-------:|:-----|-------:|------:|-------------:|-------:|-------:|');

for (const n of sizes) {
  const root = syntheticRoot(packageRoot, n, values.dir);
  try {
    const row = (step: string, s: Step, output: string, groups = '') =>
      console.log(`| ${n.toLocaleString('en-US').padStart(6)} | ${step} | ${s.wall.toFixed(1)} | ${s.cpu.toFixed(1)} | ${s.rssMiB.toFixed(0)} | ${output} | ${groups} |`);
    git(root, 'init', '-q');
    row('validate', run(['validate'], root), '');
    const render = run(['render'], root);
    row('render (empty rendered/)', render, '');
    row('render (unchanged, render cache)', run(['render'], root), '');
    row('render (unchanged, --no-cache)', run(['render', '--no-cache'], root), '');
    const check = run(['render', '--check'], root);
    row('render --check (up to date, render cache)', check, kb(check.out));
    // A stale tree: every base-tier environment's deployment differs from what render makes.
    const tiers = join(root, 'environments/tiers/base.yaml');
    const text = readFileSync(tiers, 'utf8');
    writeFileSync(tiers, text.replace('memory: 4Gi', 'memory: 5Gi'));
    const stale = run(['render', '--check'], root);
    row('render --check (stale)', stale, kb(stale.out));
    const tierRender = run(['render'], root);
    row(`render, tier change (${/([\d,]+) rendered/.exec(tierRender.out)?.[1] ?? '?'} environments change; render cache)`, tierRender, '');
    writeFileSync(tiers, text);
    row(`render, tier change back (--no-cache)`, run(['render', '--no-cache'], root), '');
    rmSync(join(root, 'rendered'), { recursive: true, force: true });
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'base');
    writeFileSync(tiers, text.replace('  cpu: "2"\n', '  cpu: "3"\n'));
    git(root, 'commit', '-q', '-am', 'tier change');
    writeFileSync(tiers, `${text.replace('  cpu: "2"\n', '  cpu: "3"\n')}# a comment\n`);
    git(root, 'commit', '-q', '-am', 'no-op');
    const md = run(['plan', '--base', 'HEAD~2', '--head', 'HEAD~1', '--format', 'md'], root);
    const json = run(['plan', '--base', 'HEAD~2', '--head', 'HEAD~1', '--format', 'json'], root);
    const plan = JSON.parse(json.out) as { summary: { environments: number; groups: number } };
    row(`plan md, tier change (${plan.summary.environments.toLocaleString('en-US')} environments)`, md, `${chars(md.out)} chars`, String(plan.summary.groups));
    row('plan json, same change', json, kb(json.out), String(plan.summary.groups));
    const noop = run(['plan', '--base', 'HEAD~1', '--format', 'md'], root);
    row('plan md, a change that alters nothing', noop, `${chars(noop.out)} chars`, '0');
    console.log(`|        | plan md / render (empty) | ${(md.wall / render.wall).toFixed(2)}× |  |  |  |  |`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

