// bench/render: validate + render + write N = 10, 100, 1,000 synthetic environments, and time
// `kubectl kustomize` on one overlay holding the same objects. Target: 1,000 environments
// (≈ 15,000 objects) in ≤ 3 s on 2 cores. Figures, not a test.
// Usage: npm run bench:render [-- --runs 3 --kustomize-max 100 --dir /dev/shm]
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { packageRoot } from '../contract/paths.js';
import { renderEnvironment } from '../generators/index.js';
import { writeTree } from '../generators/output.js';
import { environmentValidator } from '../validation/schema/check.js';
import { validateEnvironments } from '../validation/validate.js';
import { syntheticRoot } from './synthetic.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'kustomize-max': { type: 'string', default: '100' }, dir: { type: 'string', default: tmpdir() } } });
const runs = Number(values.runs);
const kustomizeMax = Number(values['kustomize-max']);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

environmentValidator();
console.log(`smartbot render benchmark — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, median of ${runs} runs`);
const fsType = spawnSync('df', ['--output=fstype', values.dir], { encoding: 'utf8' }).stdout.split('\n')[1]?.trim() ?? '?';
console.log(`validate + render + write, in one process (schema compiled beforehand); files written under ${values.dir} (${fsType}).`);
console.log('first = into an empty rendered/ (every file written); rerun = median of re-renders of an unchanged tree.\n');
console.log('|     N | objects | files | first: validate ms | first: render+write ms | first: total ms | first: objects / s | rerun total ms | kustomize ms | kustomize / smartbot first |');
console.log('|------:|--------:|------:|-------------------:|-----------------------:|----------------:|-------------------:|---------------:|-------------:|---------------------------:|');

for (const n of [10, 100, 1000]) {
  const root = syntheticRoot(packageRoot, n, values.dir);
  const out = join(root, 'rendered');
  let objects = 0;
  let files = 0;
  const tv: number[] = [];
  const tr: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    const report = validateEnvironments({ root });
    const t1 = performance.now();
    objects = 0;
    files = 0;
    for (const e of report.environments) {
      if (!e.config) throw new Error(`${e.file} is invalid: ${e.diagnostics.find((d) => d.severity === 'error')?.message}`);
      const rendered = renderEnvironment({ name: e.name, source: `environments/${e.name}.yaml`, config: e.config, keyringJson: readFileSync(resolve(root, e.config.security.keyring.file), 'utf8') });
      writeTree(out, e.name, rendered);
      files += rendered.length;
      objects += rendered.filter((f) => f.path.startsWith('kubernetes/') && !f.path.endsWith('kustomization.yaml')).reduce((k, f) => k + f.text.split('\n---\n').length, 0);
    }
    tv.push(t1 - t0);
    tr.push(performance.now() - t1);
  }
  const first = tv[0]! + tr[0]!;
  const rerun = median(tv.slice(1).map((v, i) => v + tr[i + 1]!));
  let kustomize = '—';
  let ratio = '—';
  if (hasKubectl && n <= kustomizeMax) {
    // One overlay over every environment's rendered objects: the same object count, one build.
    const resources = Array.from({ length: n }, (_, i) => `- rendered/env-${String(i).padStart(5, '0')}/kubernetes`);
    writeFileSync(join(root, 'kustomization.yaml'), `resources:\n${resources.join('\n')}\n`);
    const t = performance.now();
    execFileSync('kubectl', ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', root], { maxBuffer: 1 << 30 });
    const ms = performance.now() - t;
    kustomize = ms.toFixed(0);
    ratio = `${(ms / first).toFixed(1)}×`;
  }
  const cells = [String(n).padStart(5), String(objects).padStart(7), String(files).padStart(5), tv[0]!.toFixed(0).padStart(18), tr[0]!.toFixed(0).padStart(22), first.toFixed(0).padStart(15), Math.round((objects / first) * 1000).toLocaleString('en').padStart(18), rerun.toFixed(0).padStart(14), kustomize.padStart(12), ratio.padStart(26)];
  console.log(`| ${cells.join(' | ')} |`);
}
if (!hasKubectl) console.log('\nkubectl not found: kustomize column skipped');
else console.log(`\nkustomize is skipped above N = ${kustomizeMax} (it is superlinear: FACTS.md measured 5,000 objects in 87 s); raise --kustomize-max to include it.`);
