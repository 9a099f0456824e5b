#!/usr/bin/env node
// Derives generators/model/environment.ts from schemas/environment.schema.json, so the schema
// stays the single source of truth. `--check` exits 1 when the committed file is stale
// (run in the tests). Usage: node scripts/generate-types.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { compile } from 'json-schema-to-typescript';

const schemaFile = new URL('../schemas/environment.schema.json', import.meta.url);
const outFile = new URL('../generators/model/environment.ts', import.meta.url);

export async function renderTypes() {
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
  return compile(schema, 'SmartbotEnvironment', {
    additionalProperties: false,
    unreachableDefinitions: false,
    style: { singleQuote: true, printWidth: 120 },
    bannerComment:
      '/* GENERATED from schemas/environment.schema.json by scripts/generate-types.mjs — do not edit.\n   Run `npm run schema:types` after changing the schema. */',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = await renderTypes();
  if (process.argv.includes('--check')) {
    const current = readFileSync(outFile, 'utf8');
    if (current !== text) {
      console.error('generators/model/environment.ts is stale: run `npm run schema:types`');
      process.exit(1);
    }
    console.log('generators/model/environment.ts is up to date');
  } else {
    writeFileSync(outFile, text);
    console.log('wrote generators/model/environment.ts');
  }
}
