// The schema is the single source of truth: types, docs and defaults derive from it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RULES } from '../validation/rules.js';
import { valueAt } from '../validation/load/layers.js';
import { environmentSchema, environmentValidator, type JsonSchemaNode } from '../validation/schema/check.js';
import { POLICIES } from '../validation/policy/index.js';
import { renderTypes } from '../cli/schema-types.js';
import { repoRoot } from './helpers/env.js';


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

  it('contract/environment.ts is generated from the current schema', async () => {
    const committed = readFileSync(join(repoRoot, 'contract/environment.ts'), 'utf8');
    expect(committed).toBe(await renderTypes());
  });
});

describe('rule catalogue', () => {
  // Rules no file in the corpus can trigger: the path does not exist, or cannot be read (the
  // tests run as root, who reads everything), a named directory holds no environments, the file
  // is a symbolic link, or it is over the size cap (a corpus file of 1 MiB). test/cli.test.ts
  // and the property test cover them. `key-age-near` depends on the day the tests run:
  // validation/policy/keyring.test.ts pins the clock. `tier-model` is a tier file's fault, and
  // the corpus holds environment files: validation/policy/models.test.ts plants it in a tier.
  const NOT_FROM_A_FILE = ['io-missing', 'io-unreadable', 'io-no-environments', 'file-symlink', 'file-too-large', 'tier-model', 'key-age-near'];
  // The key history's rules come from `keys verify`, not validate: the tamper corpus
  // (test/keys-tamper.test.ts) triggers each of them, and checks that it does.
  const fromKeyHistory = (id: string) => id.startsWith('audit-') || id === 'keyring-drift';

  it('every policy reports only catalogue rules', () => {
    for (const p of POLICIES) for (const r of p.rules) expect(Object.keys(RULES)).toContain(r);
  });

  it('the bad-input corpus triggers every other rule', () => {
    const expected: Record<string, string[]> = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/invalid/expected.json'), 'utf8'));
    const triggered = new Set(Object.values(expected).flatMap((lines) => lines.map((l) => /\[([\w-]+)\]$/.exec(l)![1]!)));
    expect(Object.keys(RULES).filter((id) => !triggered.has(id) && !fromKeyHistory(id))).toEqual(NOT_FROM_A_FILE);
  });
});
