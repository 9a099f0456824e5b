// The schema is the single source of truth: types, docs and defaults derive from it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RULES } from '../generators/errors.js';
import { valueAt } from '../generators/load/layers.js';
import { environmentSchema, environmentValidator, type JsonSchemaNode } from '../generators/schema/check.js';
import { POLICIES } from '../generators/policy/index.js';
import { repoRoot } from './helpers/env.js';

// @ts-expect-error: a plain .mjs script without types
const { renderTypes } = await import('../scripts/generate-types.mjs');

function* nodesWithPointer(node: JsonSchemaNode, pointer = ''): Generator<[string, JsonSchemaNode]> {
  yield [pointer, node];
  for (const [k, child] of Object.entries(node.properties ?? {})) yield* nodesWithPointer(child, `${pointer}/${k}`);
}

describe('environment schema', () => {
  it('compiles in ajv strict mode', () => {
    expect(() => environmentValidator()).not.toThrow();
  });

  it('documents every field', () => {
    const undocumented = [...nodesWithPointer(environmentSchema)].filter(([p, n]) => p && !n.description && !n.$ref).map(([p]) => p);
    expect(undocumented).toEqual([]);
  });

  it('states the same defaults as environments/tiers/base.yaml', () => {
    const base = parse(readFileSync(join(repoRoot, 'environments/tiers/base.yaml'), 'utf8'));
    const mismatched = [...nodesWithPointer(environmentSchema)]
      .filter(([, n]) => n.default !== undefined)
      .filter(([p, n]) => valueAt(base, p) !== undefined && JSON.stringify(valueAt(base, p)) !== JSON.stringify(n.default))
      .map(([p, n]) => `${p}: schema ${JSON.stringify(n.default)} vs base ${JSON.stringify(valueAt(base, p))}`);
    expect(mismatched).toEqual([]);
  });

  it('generators/model/environment.ts is generated from the current schema', async () => {
    const committed = readFileSync(join(repoRoot, 'generators/model/environment.ts'), 'utf8');
    expect(committed).toBe(await renderTypes());
  });
});

describe('rule catalogue', () => {
  it('every policy reports only catalogue rules, and every rule is exercised by a test', () => {
    for (const p of POLICIES) for (const r of p.rules) expect(Object.keys(RULES)).toContain(r);
    const corpus = readFileSync(join(repoRoot, 'test/fixtures/invalid/expected.json'), 'utf8');
    const tests = ['cli.test.ts', 'model-file.test.ts', 'layers.test.ts'].map((f) => readFileSync(join(repoRoot, 'test', f), 'utf8')).join('\n');
    const untested = Object.keys(RULES).filter((id) => !corpus.includes(`[${id}]`) && !tests.includes(id) && !tests.includes(`[${id}]`));
    expect(untested).toEqual([]);
  });
});
