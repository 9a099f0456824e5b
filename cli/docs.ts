// `smartbot docs [--check]`: writes docs/reference.md and docs/rules.md; --check fails when stale.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderReference, renderRules } from '../validation/reference.js';
import { EXIT, type CliIO } from './io.js';

export function docsCommand(argv: string[], io: CliIO): number {
  const { values } = parseArgs({ args: argv, options: { check: { type: 'boolean' }, root: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return io.out('Usage: smartbot docs [--check] [--root DIR]\n\nWrites docs/reference.md and docs/rules.md from the schema, tiers and rule catalogue.\n'), EXIT.ok;
  const root = values.root ?? '.';
  const files = { 'docs/reference.md': renderReference(root), 'docs/rules.md': renderRules() };
  const read = (f: string) => {
    try {
      return readFileSync(join(root, f), 'utf8');
    } catch {
      return undefined;
    }
  };
  const stale = Object.entries(files).filter(([f, text]) => read(f) !== text).map(([f]) => f);
  if (values.check) {
    if (stale.length) return io.err(`stale: ${stale.join(', ')} — run \`npx smartbot docs\`\n`), EXIT.invalid;
    return io.out('docs are up to date\n'), EXIT.ok;
  }
  mkdirSync(join(root, 'docs'), { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(root, f), text);
  io.out(`wrote ${Object.keys(files).join(', ')}\n`);
  return EXIT.ok;
}
