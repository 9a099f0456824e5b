#!/usr/bin/env node
// Prints the compiled files an image's entry points import, transitively (relative imports,
// static and dynamic), so an image ships its import closure and nothing else of the toolchain.
// Usage: node containers/closure.mjs DIST_ROOT ENTRY... (entries relative to DIST_ROOT)
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const [root, ...entries] = process.argv.slice(2);
if (!root || entries.length === 0) {
  console.error('usage: closure.mjs DIST_ROOT ENTRY...');
  process.exit(2);
}
const seen = new Set();
const queue = entries.map((e) => normalize(join(root, e)));
while (queue.length) {
  const file = queue.pop();
  if (seen.has(file)) continue;
  if (!existsSync(file)) {
    console.error(`closure.mjs: ${relative(root, file)} is imported but missing (build first)`);
    process.exit(1);
  }
  seen.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g)) queue.push(normalize(join(dirname(file), m[2])));
}
console.log([...seen].map((f) => relative(root, f)).sort().join('\n'));
