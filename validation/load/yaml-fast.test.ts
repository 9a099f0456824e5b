// The fast path (js-yaml) and the full path (the yaml library) must agree: wherever the fast path
// takes a text, the full path accepts it too, with the same value. Checked on every YAML file of
// the repository (environments, tiers, the validation corpus, the rendered tree), on synthetic
// fleet environments, and on generated files whose scalars are the forms the two libraries could
// read differently.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticEnvironment } from '../../bench/synthetic.js';
import { repoRoot } from '../../test/helpers/env.js';
import { fastValue, parseFully, parseYamlText } from './yaml-source.js';

function yamlFiles(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** Whether the fast path took `text`; when it did, the full path agrees. */
function agrees(text: string): boolean {
  const fast = fastValue(text);
  if (fast === undefined) return false;
  const full = parseFully('x.yaml', text);
  expect(full.ok, `the full path refuses what the fast path took:\n${text}\n${JSON.stringify(full)}`).toBe(true);
  if (full.ok) expect(fast, text).toEqual(full.source.value);
  return true;
}

/** Scalars the two libraries could read differently, plain and quoted. */
const TRICKY = [
  '1', '-1', '+1', '012', '0', '-0', '1.5', '-.5', '+.5', '.5', '1.', '1e3', '1E-3', '-1e+3', '0x1F', '-0x1F', '0o17', '0b101', '1_000', '1:30',
  'true', 'True', 'TRUE', 'yes', 'no', 'on', 'off', 'y', 'n', 'false', 'null', 'Null', '~', '', '.inf', '-.inf', '.NaN', 'Infinity', 'NaN',
  '2025-01-01', '2025-01-01T10:00:00Z', 'a b', 'a: b', 'a #b', 'a#b', "'q'", '"q"', 'x\\y', 'é', '12345678901234567890', '0.1', '1.0', '.', '-', '@x', '`x',
];
const quote = (s: string, how: number) => (how === 0 ? s : how === 1 ? JSON.stringify(s) : `'${s.replace(/'/g, "''")}'`);

describe('the fast YAML path against the full one', () => {
  it('agrees on every YAML file of the repository, and takes the environment files', () => {
    const files = ['environments', 'test/fixtures', 'rendered'].flatMap(yamlFiles);
    expect(files.length).toBeGreaterThan(100);
    const taken = files.filter((f) => agrees(readFileSync(f, 'utf8')));
    // The fast path is the common case: every shipped environment and tier takes it.
    for (const env of yamlFiles('environments')) expect(taken, env).toContain(env);
  });

  it('agrees on synthetic fleet environments, which take it', () => {
    for (let i = 0; i < 300; i++) expect(agrees(syntheticEnvironment(i))).toBe(true);
  });

  it('agrees on generated files whose scalars are the forms the libraries could read differently', () => {
    const scalar = fc.tuple(fc.constantFrom(...TRICKY), fc.integer({ min: 0, max: 2 })).map(([s, how]) => quote(s, how));
    const key = fc.constantFrom('a', 'b', 'c', '1', 'true', 'null', 'x-y', '"q"', 'k k');
    const line = fc.oneof(
      fc.tuple(key, scalar).map(([k, v]) => `${k}: ${v}`),
      fc.tuple(key, fc.array(scalar, { maxLength: 3 })).map(([k, vs]) => `${k}:\n${vs.map((v) => `  - ${v}`).join('\n')}`),
      fc.tuple(key, fc.array(fc.tuple(key, scalar), { maxLength: 3 })).map(([k, kv]) => `${k}: {${kv.map(([a, b]) => `${a}: ${b}`).join(', ')}}`),
      fc.tuple(key, key, scalar).map(([k, k2, v]) => `${k}:\n  ${k2}: ${v}`),
      fc.tuple(key, key, scalar, key, scalar).map(([k, k2, v, k3, v2]) => `${k}:\n  - ${k2}: ${v}\n    ${k3}: ${v2}`),
      fc.tuple(key, fc.constantFrom('|', '|-', '>', '>-', '|+'), fc.array(fc.constantFrom(...TRICKY), { maxLength: 3 })).map(([k, style, ls]) => `${k}: ${style}\n${ls.map((l) => `  ${l}`).join('\n')}`),
      fc.tuple(key, fc.constantFrom(...TRICKY), fc.constantFrom(...TRICKY)).map(([k, a, b]) => `${k}: x${a}\n  ${b}y`),
      fc.tuple(key, scalar, fc.constantFrom('# c', '#', '  # c')).map(([k, v, c]) => `${c}\n${k}: ${v} # after`),
    );
    let taken = 0;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), (lines) => {
        if (agrees(`${lines.join('\n')}\n`)) taken++;
      }),
      { numRuns: 5000, seed: 24 },
    );
    // Most generated files still take it (duplicate keys and the forms listed in NOT_FAST do not).
    expect(taken).toBeGreaterThan(300);
  });

  it('leaves to the full path what it must judge, which then reports it at its line', () => {
    const refused = ['a: 1\na: 2\n', 'a: &x 1\nb: *x\n', 'a: !!binary aGk=\n', '- 1\n- 2\n', '', 'a: 1\n---\nb: 2\n', 'a:\n\tb: 1\n', '__proto__: 1\n', 'a: -0x1F\n', 'a: 0b101\n'];
    for (const text of refused) expect(fastValue(text), text).toBeUndefined();
    const dup = parseYamlText('dup.yaml', 'tier: base\nreplicas: 2\nreplicas: 3\n');
    expect(dup.ok).toBe(false);
    if (!dup.ok) expect(dup.diagnostics.map((d) => `${d.line}:${d.col} ${d.rule}`)).toEqual(['3:1 yaml-duplicate-key']);
  });

  it('reads the places of a fast-path file when first asked for, as the full path has them', () => {
    const text = 'tier: base\nresources:\n  cpu: "2"\n  memory: 4Gi\n';
    const r = parseYamlText('env.yaml', text);
    const full = parseFully('env.yaml', text);
    expect(r.ok && full.ok).toBe(true);
    if (r.ok && full.ok) expect([...r.source.places]).toEqual([...full.source.places]);
    if (r.ok) expect(r.source.places.get('/resources/memory')).toEqual({ key: { line: 4, col: 3 }, value: { line: 4, col: 11 }, kind: 'scalar' });
  });
});
