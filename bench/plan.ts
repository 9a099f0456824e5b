// bench/plan: `smartbot plan` on git repositories of N synthetic environments where 10 of them
// change (their own files), and where a tier default changes (every environment reached).
// Target: 200 environments with 10 changed in ≤ 3 s for the whole CLI on 2 cores. Figures, not a test.
// Usage: npm run bench:plan [-- --runs 5]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { packageRoot } from '../contract/paths.js';
import { buildPlan } from '../plan/plan.js';
import { fixtureRepo } from '../test/helpers/git-repo.js';
import { syntheticEnvironment } from './synthetic.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const name = (i: number) => `environments/env-${String(i).padStart(5, '0')}.yaml`;

function repository(n: number) {
  const files: Record<string, string> = {};
  for (const f of ['environments/tiers/base.yaml', 'environments/tiers/enterprise.yaml', 'keyrings/dev.json']) files[f] = readFileSync(join(packageRoot, f), 'utf8');
  for (let i = 0; i < n; i++) files[name(i)] = syntheticEnvironment(i);
  return fixtureRepo({ files });
}

console.log(`smartbot plan benchmark — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, median of ${runs} runs`);
console.log('CLI = `node bin/smartbot.js plan --base HEAD~1 --format json` (process start, git, validate + render both sides, diff); in-process = buildPlan() alone.');
console.log(`CPU = user + sys seconds (the CLI's from /usr/bin/time); wall time also counts waiting for a core (load average now ${loadavg()[0]!.toFixed(1)}).\n`);
console.log('|     N | change         | environments planned | objects compared | CLI wall ms | CLI CPU ms | in-process wall ms | in-process CPU ms | CPU ms / planned env |');
console.log('|------:|:---------------|---------------------:|-----------------:|------------:|-----------:|-------------------:|------------------:|---------------------:|');

const cases: { n: number; change: string; edit: (r: ReturnType<typeof repository>) => Record<string, string> }[] = [
  ...[50, 200, 1000].map((n) => ({
    n,
    change: '10 env files',
    edit: (r: ReturnType<typeof repository>) => Object.fromEntries(Array.from({ length: 10 }, (_, k) => name(Math.floor((k * n) / 10))).map((f) => [f, r.read(f).replace(/maxTokens: (\d+)/, 'maxTokens: 999')])),
  })),
  // logging.maxFile: a base default no synthetic environment overrides, so all of them change.
  { n: 200, change: 'a tier default', edit: (r) => ({ 'environments/tiers/base.yaml': r.read('environments/tiers/base.yaml').replace('maxFile: 3', 'maxFile: 5') }) },
];

for (const c of cases) {
  const r = repository(c.n);
  r.commit(c.edit(r), 'change');
  const cli: number[] = [];
  const cliCpu: number[] = [];
  const inProcess: number[] = [];
  const inProcessCpu: number[] = [];
  let planned = 0;
  let objects = 0;
  const gnuTime = existsSync('/usr/bin/time');
  for (let i = 0; i <= runs; i++) {
    const args = [join(packageRoot, 'bin/smartbot.js'), 'plan', '--root', r.dir, '--base', 'HEAD~1', '--format', 'json'];
    const t0 = performance.now();
    const p = gnuTime
      ? spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
      : spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
    const t1 = performance.now();
    if (p.status !== 0) throw new Error(`plan exited ${p.status}: ${p.stderr}`);
    const c0 = process.cpuUsage();
    const t2 = performance.now();
    const plan = await buildPlan({ root: r.dir, base: 'HEAD~1', jobs: 1 });
    const t3 = performance.now();
    const c1 = process.cpuUsage(c0);
    planned = plan.summary.environments + plan.unchanged.length;
    objects = plan.groups.reduce((k, g) => k + g.environments.length * (g.objects ? g.objects.added.length + g.objects.removed.length + g.objects.changed.length + g.objects.unchanged : 0), 0);
    // The first run warms the page cache and (in-process) the compiled schema and templates.
    if (i === 0) continue;
    cli.push(t1 - t0);
    if (gnuTime) cliCpu.push(p.stderr.trim().split('\n').at(-1)!.split(' ').reduce((a, x) => a + Number(x) * 1000, 0));
    inProcess.push(t3 - t2);
    inProcessCpu.push((c1.user + c1.system) / 1000);
  }
  const cpu = median(inProcessCpu);
  const cell = (v: number | undefined, w: number) => (v === undefined ? '—' : v.toFixed(0)).padStart(w);
  console.log(
    `| ${String(c.n).padStart(5)} | ${c.change.padEnd(14)} | ${String(planned).padStart(20)} | ${objects.toLocaleString('en-US').padStart(16)} | ${cell(median(cli), 11)} | ${cell(cliCpu.length ? median(cliCpu) : undefined, 10)} | ${cell(median(inProcess), 18)} | ${cell(cpu, 17)} | ${(cpu / planned).toFixed(1).padStart(20)} |`,
  );
  r.remove();
}
