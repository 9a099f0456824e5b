// Properties: whatever a user does to a valid environment, validate never throws, and either
// accepts it or reports every problem at a real place in a real file; and whatever a hostile
// pull request puts in the repository, validate answers quickly and boundedly, printing
// nothing from outside it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { RULES } from '../validation/rules.js';
import { runCli } from './helpers/cli.js';
import { repoRoot, validateText } from './helpers/env.js';
import { tempRepo } from './helpers/repo.js';

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
    // ≈ 15 s on an idle 2-core machine; the shared CI runners are not always idle.
  }, 120_000);

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

// --- hostile repositories ---------------------------------------------------------------------

/** Every YAML feature validate refuses, and some it must survive, as snippets to splice in. */
const REFUSED_YAML = [
  'a: &a [*a, *a]',
  `lol: &l0 [x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 6 }, (_, i) => `l${i + 1}: &l${i + 1} [*l${i}, *l${i}, *l${i}, *l${i}, *l${i}, *l${i}, *l${i}, *l${i}, *l${i}]`).join('\n')}`,
  'x: !custom value',
  'x: !!binary aGVsbG8=',
  'x: !!set {a, b}',
  'x: !!timestamp 2001-12-14',
  'x: !!omap [a: 1]',
  '---\nsecond: document',
  '\tindented: with a tab',
  '%YAML 1.1\n---',
  '<<: {replicas: 2}',
  '? [complex, key]\n: value',
  'x: *undefined',
  '\ufefftier: base',
  'nul: "\0"',
  '{unclosed',
  '"unterminated',
  '- a list item',
  'x: >\n  folded',
  '...',
  'tier: base',
  'replicas: 1e400',
  'x: [[[[[[[[[[',
];

const CONTROL = ['\x1b[2J', '\x1b[H', '\r', '\u202e', '\x07', '\x00', '\x85', '\u2028', '\x7f', '\ufeff', '✔ 3 environments valid', 'ok'];

/** Turns a control string into a YAML double-quoted key that carries it. */
const quoted = (s: string) => JSON.stringify(s);

type Hostile =
  | { kind: 'link'; at: 'env' | 'keyring' | 'dir'; target: 'secret' | '/dev/zero' | '/dev/urandom' | '/dev/null' | 'outside-dir' | 'inside' | 'missing' | 'self' }
  | { kind: 'fifo' | 'directory'; at: 'env' | 'keyring' }
  | { kind: 'device'; path: '/dev/null' | '/dev/zero' | '/dev/full' }
  | { kind: 'text'; base: number; insert: string; where: number; binary?: number[] };

const line = fc
  .record({ len: fc.integer({ min: 1000, max: 1_200_000 }), unit: fc.constantFrom('a', ' ', '[', '{', ':', '#', '"', '\x1b', 'é', '\t', ', ', '中', '\r') })
  .chain(({ len, unit }) => fc.constantFrom(`description: ${unit.repeat(len)}`, `${unit.repeat(len)}: 1`, unit.repeat(len), `# ${unit.repeat(len)}`, `description: "${unit.repeat(len)}"`));
const deep = fc.record({ depth: fc.noBias(fc.integer({ min: 10, max: 20_000 })), style: fc.constantFrom('[', '{a: ', 'block-map', 'block-seq') }).map(({ depth, style }) => {
  if (style === 'block-map') return Array.from({ length: Math.min(depth, 1200) }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
  if (style === 'block-seq') return `deep:\n${'- '.repeat(depth)}x`;
  return `deep: ${style.repeat(depth)}x${(style === '[' ? ']' : '}').repeat(depth)}`;
});
const manyKeys = fc.record({ n: fc.noBias(fc.integer({ min: 1000, max: 120_000 })), style: fc.constantFrom('block', 'flow', 'list'), dup: fc.boolean() }).map(({ n, style, dup }) => {
  const key = (i: number) => `k${dup ? i % 7 : i}`;
  if (style === 'flow') return `labels: {${Array.from({ length: n }, (_, i) => `${key(i)}: ${i}`).join(', ')}}`;
  if (style === 'list') return `security:\n  ipAllowlist:\n${Array.from({ length: n }, (_, i) => `    - 10.${i % 256}.0.0/16`).join('\n')}`;
  return `labels:\n${Array.from({ length: n }, (_, i) => `  ${key(i)}: ${i}`).join('\n')}`;
});
const protoKey = fc
  .record({ key: fc.constantFrom('__proto__', 'constructor', 'prototype', '"__proto__"', "'constructor'"), value: fc.constantFrom('{replicas: "two"}', '{tier: enterprise}', '1', 'null', '[a]'), nested: fc.boolean() })
  .map(({ key, value, nested }) => (nested ? `zz: {a: {${key}: ${value}}}` : `${key}: ${value}`));
const controlKey = fc.array(fc.constantFrom(...CONTROL), { minLength: 1, maxLength: 6 }).map((parts) => `${quoted(parts.join(''))}: ${quoted(parts.reverse().join(''))}`);

const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('link' as const), at: fc.constantFrom('env' as const, 'keyring' as const, 'dir' as const), target: fc.constantFrom('secret' as const, '/dev/zero' as const, '/dev/urandom' as const, '/dev/null' as const, 'outside-dir' as const, 'inside' as const, 'missing' as const, 'self' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('fifo' as const, 'directory' as const), at: fc.constantFrom('env' as const, 'keyring' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('device' as const), path: fc.constantFrom('/dev/null' as const, '/dev/zero' as const, '/dev/full' as const) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('text' as const), base: fc.nat({ max: shipped.length - 1 }), insert: fc.oneof(line, deep, manyKeys, protoKey, controlKey, fc.constantFrom(...REFUSED_YAML)), where: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), base: fc.nat({ max: shipped.length - 1 }), insert: fc.constant(''), where: fc.nat(), binary: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 400 }) }) },
);

/** Characters a terminal acts on; none may reach the output raw (\n is the output's own). */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('validate against hostile repositories', () => {
  const repo = tempRepo();
  mkdirSync(join(repo.outside, 'envs'), { recursive: true });
  writeFileSync(join(repo.outside, 'envs/stolen.yaml'), readFileSync(repo.secretFile));
  let n = 0;

  /** Materialises a case in the repository; returns the path to validate. */
  function plant(h: Hostile): string {
    const id = `case${++n}`;
    const env = join(repo.root, 'environments', `${id}.yaml`);
    const keyringEnv = (file: string) => writeFileSync(env, shipped[0]!.replace('file: keyrings/dev.json', `file: keyrings/${file}`));
    if (h.kind === 'device') return h.path;
    if (h.kind === 'text') {
      const base = shipped[h.base]!;
      const lines = base.split('\n');
      const at = h.where % (lines.length + 1);
      const text = [...lines.slice(0, at), h.insert, ...lines.slice(at)].join('\n');
      writeFileSync(env, h.binary ? Buffer.concat([Buffer.from(text), Buffer.from(h.binary)]) : text);
      return env;
    }
    const place = h.at === 'keyring' ? join(repo.root, 'keyrings', `${id}.json`) : h.at === 'dir' ? join(repo.root, 'environments', id) : env;
    if (h.at === 'keyring') keyringEnv(`${id}.json`);
    if (h.kind === 'link') {
      const target = { secret: repo.secretFile, 'outside-dir': join(repo.outside, 'envs'), inside: join(repo.root, 'environments/dev.yaml'), missing: join(repo.outside, 'nope'), self: place }[h.target as string] ?? h.target;
      // A linked directory of environments: the link is named, the files inside are read through it.
      symlinkSync(h.at === 'dir' && h.target === 'secret' ? join(repo.outside, 'envs') : target, place);
    } else if (h.kind === 'fifo') expect(spawnSync('mkfifo', [place]).status).toBe(0);
    else mkdirSync(place);
    return h.at === 'keyring' ? env : place;
  }

  it('exit 0, 1 or 2; no stack trace; bounded, escaped output; nothing from outside; ≤ 2 s per case (150 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, fc.constantFrom('text', 'json', 'github'), async (h, format) => {
        const path = plant(h);
        const started = performance.now();
        const r = await runCli('validate', '--root', repo.root, '--models-dir', join(repo.root, 'models'), '--format', format, path);
        const ms = performance.now() - started;
        const all = r.out + r.err;
        expect([0, 1, 2]).toContain(r.code);
        expect(all).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n|internal error|Maximum call stack/);
        expect(all.length).toBeLessThan(120_000);
        expect(all).not.toMatch(RAW_CONTROL);
        expect(all).not.toContain(repo.secret);
        expect(ms).toBeLessThan(2_000);
        if (h.kind === 'link' || h.kind === 'fifo' || h.kind === 'directory' || h.kind === 'device') expect(r.code).not.toBe(0);
        if (h.kind === 'text' && /__proto__|constructor|prototype/.test(h.insert) && !h.binary) expect(r.code).not.toBe(0);
        if (format === 'json') JSON.parse(r.out);
      }),
      { numRuns: 150, seed: 20261127 },
    );
  }, 300_000);

  it.each([
    ['a link to a secret', { kind: 'link', at: 'env', target: 'secret' }, 'file-symlink'],
    ['a linked directory of environments', { kind: 'link', at: 'dir', target: 'outside-dir' }, 'file-outside-root'],
    ['a keyring linked to /dev/zero', { kind: 'link', at: 'keyring', target: '/dev/zero' }, 'file-symlink'],
    ['a FIFO', { kind: 'fifo', at: 'env' }, 'file-not-regular'],
    ['a FIFO keyring', { kind: 'fifo', at: 'keyring' }, 'file-not-regular'],
    ['a device', { kind: 'device', path: '/dev/zero' }, 'file-not-regular'],
  ] as [string, Hostile, string][])('each kind of special file is refused with its rule: %s', async (_name, h, rule) => {
    const r = await runCli('validate', '--root', repo.root, '--models-dir', join(repo.root, 'models'), plant(h));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`[${rule}]`);
  });

  it('cleans up', () => rmSync(repo.root, { recursive: true, force: true }));
});
