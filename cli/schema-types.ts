// `smartbot schema-types [--check]` (npm run schema:types): derives contract/environment.ts from
// schemas/environment.schema.json, so the schema stays the single source of truth. `--check`
// exits 1 when the committed file is stale (the tests run it).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot, schemaPath } from '../contract/paths.js';
import { EXIT, type CliIO } from './io.js';

const OUT = 'contract/environment.ts';

export async function renderTypes(): Promise<string> {
  // A dev dependency: loaded only by this command.
  const { compile } = await import('json-schema-to-typescript');
  return compile(JSON.parse(readFileSync(schemaPath, 'utf8')), 'SmartbotEnvironment', {
    additionalProperties: false,
    unreachableDefinitions: false,
    style: { singleQuote: true, printWidth: 120 },
    bannerComment: '/* GENERATED from schemas/environment.schema.json by `smartbot schema-types` — do not edit.\n   Run `npm run schema:types` after changing the schema. */',
  });
}

export async function schemaTypesCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return io.out(`Usage: smartbot schema-types [--check]\n\nWrites ${OUT} from the schema; --check fails when it is stale.\n`), EXIT.ok;
  const text = await renderTypes();
  const file = join(packageRoot, OUT);
  if (values.check) {
    if (readFileSync(file, 'utf8') !== text) return io.err(`${OUT} is stale: run \`npm run schema:types\`\n`), EXIT.invalid;
    return io.out(`${OUT} is up to date\n`), EXIT.ok;
  }
  writeFileSync(file, text);
  io.out(`wrote ${OUT}\n`);
  return EXIT.ok;
}
