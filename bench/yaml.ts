// bench/yaml: loading one map of N keys, the last a duplicate of the first. The yaml library's
// own duplicate check (`uniqueKeys`) compares each key with every earlier one; smartbot turns
// it off and finds duplicates in one pass (checkKeys in validation/load/yaml-source.ts).
// Columns: the library with and without its check, smartbot's one-pass check alone, smartbot's
// whole load (parse + check + plain value) with the limits lifted, and the real CLI with its
// defaults (the file is refused once it passes 5,000 entries). Figures, not a test.
// Usage: npm run bench:yaml [-- --runs 3 --quadratic-max 20000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { packageRoot } from '../contract/paths.js';
import { checkKeys, parseYamlText } from '../validation/load/yaml-source.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'quadratic-max': { type: 'string', default: '20000' } } });
const runs = Number(values.runs);
const quadraticMax = Number(values['quadratic-max']);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const timed = (f: () => unknown) => {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    f();
    ms.push(performance.now() - t);
  }
  return median(ms);
};
const fmt = (ms: number | undefined) => (ms === undefined ? '—' : Math.round(ms).toLocaleString('en-US'));

/** `tier: base` and a map of n keys whose last key repeats the first. */
const document = (n: number) => `tier: base\nlabels:\n${Array.from({ length: n - 1 }, (_, i) => `  key${i}: ${i}`).join('\n')}\n  key0: again\n`;
const lifted = { maxDepth: 64, maxEntries: Infinity, maxTokens: Infinity };
const dir = mkdtempSync(join(tmpdir(), 'smartbot-bench-yaml-'));

console.log(`YAML load benchmark — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, median of ${runs} runs\n`);
console.log('|       N keys | yaml uniqueKeys ms | yaml, no check ms | smartbot check ms | smartbot load (limits lifted) ms | duplicate found at | CLI wall ms (defaults) |');
console.log('|-------------:|-------------------:|------------------:|------------------:|---------------------------------:|-------------------:|-----------------------:|');
for (const n of [5_000, 10_000, 20_000, 40_000, 200_000]) {
  const text = document(n);
  const quadratic = n <= quadraticMax ? timed(() => parseAllDocuments(text, { uniqueKeys: true })) : undefined;
  const plain = timed(() => parseAllDocuments(text, { uniqueKeys: false }));
  const doc = parseAllDocuments(text, { uniqueKeys: false }) as ReturnType<typeof parseAllDocuments> & unknown[];
  const check = timed(() => checkKeys(doc[0] as Parameters<typeof checkKeys>[0], (offset) => ({ file: 'bench.yaml', line: 1, col: offset + 1 }), lifted));
  let found = '';
  const load = timed(() => {
    const r = parseYamlText('bench.yaml', text, lifted);
    const d = r.ok ? undefined : r.diagnostics.find((x) => x.rule === 'yaml-duplicate-key');
    found = d ? `${d.line}:${d.col}` : 'not found!';
  });
  const file = join(dir, `keys-${n}.yaml`);
  writeFileSync(file, text);
  const t = performance.now();
  spawnSync(process.execPath, [join(packageRoot, 'bin/smartbot.js'), 'validate', '--root', packageRoot, '--max-file-size', '16Mi', file], { encoding: 'utf8' });
  const cli = performance.now() - t;
  console.log(`| ${n.toLocaleString('en-US').padStart(12)} | ${fmt(quadratic).padStart(18)} | ${fmt(plain).padStart(17)} | ${fmt(check).padStart(17)} | ${fmt(load).padStart(32)} | ${found.padStart(18)} | ${fmt(cli).padStart(22)} |`);
}
