// Property: whatever a user does to a valid environment, validate never throws, and either
// accepts it or reports every problem at a real place in a real file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { RULES } from '../validation/rules.js';
import { repoRoot, validateText } from './helpers/env.js';

const shipped = ['dev', 'staging', 'prod'].map((n) => readFileSync(join(repoRoot, 'environments', `${n}.yaml`), 'utf8'));

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value in a document. */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const here = at.length ? [at] : [];
  if (Array.isArray(v)) return [...here, ...v.flatMap((x, i) => paths(x, [...at, i]))];
  if (v && typeof v === 'object') return [...here, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))];
  return here;
}

const scalar = fc.oneof(
  fc.integer({ min: -100000, max: 100000 }),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', '0.0.0.0/0', 'sk-aaaaaaaaaaaaaaaaaaaaaaaa', '4Gi', 'http://x', '1m', 'enterprise', '-1', '::/0', '{{x}}', 'a: b', '#'),
);
const value: fc.Arbitrary<Json> = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }));

/** One edit: set a value, delete a key, rename a key (typo), or add an unknown key. */
const mutation = fc.record({
  kind: fc.constantFrom('set', 'delete', 'rename', 'add'),
  pick: fc.nat(),
  value,
  name: fc.string({ minLength: 1, maxLength: 12 }),
});

function apply(doc: Json, m: { kind: string; pick: number; value: Json; name: string }): Json {
  const all = paths(doc);
  if (all.length === 0) return doc;
  const path = all[m.pick % all.length]!;
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1]!;
  let parent = doc as Record<string | number, Json>;
  for (const p of parentPath) parent = parent[p] as Record<string | number, Json>;
  if (m.kind === 'set') parent[key] = m.value;
  else if (m.kind === 'delete' && !Array.isArray(parent)) delete parent[key];
  else if (m.kind === 'rename' && typeof key === 'string') {
    const v = parent[key]!;
    delete parent[key];
    parent[`${key.slice(0, -1)}${m.name.slice(0, 1)}`] = v;
  } else if (m.kind === 'add' && !Array.isArray(parent)) parent[m.name] = m.value;
  return doc;
}

describe('validate under random mutation', () => {
  it('never throws; always accepts or reports located errors (2,000 runs)', () => {
    fc.assert(
      fc.property(fc.nat({ max: shipped.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, edits) => {
        let doc = parse(shipped[which]!) as Json;
        for (const e of edits) doc = apply(doc, e);
        const text = stringify(doc);
        const report = validateText(text, 'mutant');
        for (const d of report.diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.col).toBeGreaterThanOrEqual(1);
          expect(d.file).toMatch(/\.yaml$/);
          expect(d.message.length).toBeGreaterThan(0);
          expect(Object.keys(RULES)).toContain(d.rule);
          // A located error points into the file: its line exists there.
          if (d.file.endsWith('mutant.yaml') && d.rule !== 'yaml-empty') expect(d.line).toBeLessThanOrEqual(text.split('\n').length);
        }
        const env = report.environments[0]!;
        const hasError = env.diagnostics.some((d) => d.severity === 'error');
        expect(hasError).toBe(env.config === undefined);
      }),
      { numRuns: 2000, seed: 20261126 },
    );
  });

  it('raw byte-level garbage never throws either (500 runs)', () => {
    fc.assert(
      fc.property(fc.nat({ max: shipped.length - 1 }), fc.nat(), fc.string({ maxLength: 6 }), (which, at, junk) => {
        const src = shipped[which]!;
        const i = at % (src.length + 1);
        const report = validateText(src.slice(0, i) + junk + src.slice(i), 'garbled');
        for (const d of report.diagnostics) expect(d.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});
