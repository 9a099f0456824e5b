#!/usr/bin/env node
// Prints the compiled files an image's entry points import, transitively (relative imports,
// static and dynamic), so an image ships its import closure and nothing else of the toolchain.
// Usage: node containers/closure.mjs [--packages] DIST_ROOT ENTRY...   (entries relative to DIST_ROOT)
// --packages prints the npm packages the closure imports instead of its files.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const args = process.argv.slice(2);
const packagesOnly = args[0] === '--packages';
const [root, ...entries] = packagesOnly ? args.slice(1) : args;
if (!root || entries.length === 0) {
  console.error('usage: closure.mjs DIST_ROOT ENTRY...');
  process.exit(2);
}
const seen = new Set();
const packages = new Set();
const queue = entries.map((e) => normalize(join(root, e)));
while (queue.length) {
  const file = queue.pop();
  if (seen.has(file)) continue;
  if (!existsSync(file)) {
    console.error(`closure.mjs: ${relative(root, file)} is imported but missing (build first)`);
    process.exit(1);
  }
  seen.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\1/g)) {
    const spec = m[2];
    if (spec.startsWith('.')) queue.push(normalize(join(dirname(file), spec)));
    else if (!spec.startsWith('node:')) packages.add(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
  }
}
const out = packagesOnly ? [...packages] : [...seen].map((f) => relative(root, f));
console.log(out.sort().join('\n'));
