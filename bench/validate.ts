// bench/validate: validate N = 10, 100, 1,000 synthetic environments with every rule on and
// print a table. Target: 1,000 environments in ≤ 1 s on 2 cores. Figures, not a test.
// Usage: npm run bench:validate [-- --runs 5]
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { packageRoot } from '../contract/paths.js';
import { environmentValidator } from '../validation/schema/check.js';
import { validateEnvironments } from '../validation/validate.js';
import { syntheticRoot } from './synthetic.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const t0 = performance.now();
environmentValidator();
const compileMs = performance.now() - t0;

console.log(`smartbot validate benchmark — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, median of ${runs} runs`);
console.log(`schema compile (once per process): ${compileMs.toFixed(0)} ms\n`);
console.log('|     N | first run ms | median ms | ms / env | envs / s | CLI wall ms | errors |');
console.log('|------:|-------------:|----------:|---------:|---------:|------------:|-------:|');
for (const n of [10, 100, 1000]) {
  const root = syntheticRoot(packageRoot, n);
  const times: number[] = [];
  let errors = 0;
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const report = validateEnvironments({ root });
    times.push(performance.now() - start);
    errors = report.diagnostics.filter((d) => d.severity === 'error').length;
    if (report.environments.length !== n) throw new Error(`expected ${n} environments, got ${report.environments.length}`);
  }
  const ms = median(times);
  // The whole CLI as a user runs it: process start, imports, schema compile, validate, output.
  const cliStart = performance.now();
  const cli = spawnSync(process.execPath, [join(packageRoot, 'bin/smartbot.js'), 'validate', '--root', root, '--format', 'json'], { encoding: 'utf8' });
  const cliMs = performance.now() - cliStart;
  if (cli.status !== 0) throw new Error(`CLI exited ${cli.status}: ${cli.stderr}`);
  const cells = [String(n).padStart(5), times[0]!.toFixed(1).padStart(12), ms.toFixed(1).padStart(9), (ms / n).toFixed(3).padStart(8), Math.round((n / ms) * 1000).toLocaleString('en').padStart(8), cliMs.toFixed(0).padStart(11), String(errors).padStart(6)];
  console.log(`| ${cells.join(' | ')} |`);
}
