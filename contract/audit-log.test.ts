// The audit line format both `keys verify` and the console read: canonical lines only, so no
// byte of a line lies outside what its hash covers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../test/helpers/env.js';
import { canonicalJson, checkChain, entryLine, keysOnlyInBrokenLines, parseAuditLine, parseAuditLog, seal, type AuditEntry, type UnsealedEntry } from './audit-log.js';
import { AUDIT_LOG_FILE } from './keyring-file.js';

const change = (reason: string): UnsealedEntry => ({
  ts: '2026-12-01T10:00:00.000Z',
  env: 'dev',
  action: 'create',
  kind: 'api-key',
  keyId: 'ci.1',
  keyFingerprint: 'a'.repeat(12),
  actor: 'alice@example.com',
  reason,
  ref: 'PR #1',
  key: { name: 'ci', scopes: ['chat'], notBefore: '2026-12-01T10:00:00.000Z', sha256: 'a'.repeat(64) },
});

describe('canonical audit lines', () => {
  it("this repository's version 1 history is held to its fixed field order and verifies", async () => {
    const lines = parseAuditLog(readFileSync(join(repoRoot, AUDIT_LOG_FILE), 'utf8'));
    expect(lines.lines.map((l) => (l.entry ? [l.entry.seq, l.entry.v, l.hashOk] : l.problem))).toEqual([1, 2, 3, 4].map((seq) => [seq, undefined, true]));
    expect((await checkChain(lines, undefined, 'k')).problems).toEqual([]);
  });

  it('version 2: sorted keys, no whitespace, then hash and sig; any text in a reason round-trips', () => {
    const e = seal(change('quotes " and ,"hash":"x" and 你好 and \u2028'), undefined);
    const line = entryLine(e);
    expect(line.startsWith('{"action":"create","actor":"alice@example.com","env":"dev","key":{"name":"ci","notBefore":')).toBe(true);
    expect(line.endsWith(`"seq":1,"ts":"2026-12-01T10:00:00.000Z","v":2,"hash":"${e.hash}"}`)).toBe(true);
    expect(parseAuditLine(line, 1)).toEqual({ line: 1, entry: e, hashOk: true });
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: 'x' })).toBe('{"a":"x","b":[{"c":2,"d":1}]}');
  });

  it.each([
    ['a repeated field', (l: string) => `${l.slice(0, -1)},"reason":"other"}`, 'the field "reason" appears twice in one object (a JSON reader keeps only the last copy)'],
    ['a field after hash', (l: string) => l.replace(/,"actor":"[^"]*"/, '').replace(/}$/, ',"actor":"mallory"}'), 'the field "actor" comes after "hash" (the hash does not cover it)'],
    ['whitespace', (l: string) => l.replace('{"action"', '{ "action"'), 'it has whitespace outside strings'],
    ['another escape of the same text', (l: string) => l.replace('"alice@example.com"', '"\\u0061lice@example.com"'), 'its fields are not in canonical order, or a value is written differently (escapes, number form)'],
  ])('refuses %s, saying so', (_what, edit, detail) => {
    const line = edit(entryLine(seal(change('why'), undefined)));
    expect(parseAuditLine(line, 3)).toMatchObject({ problem: { rule: 'audit-not-canonical', params: { seq: 1, detail }, line: 3 } });
  });

  it('names the keys that only lines which do not verify hold (the console refuses them)', async () => {
    const good = seal(change('real'), undefined);
    const attacker = 'b'.repeat(64);
    const forged = `${entryLine(good).slice(0, -1)},"keyFingerprint":"${'b'.repeat(12)}","key":{"name":"ci","notBefore":"x","scopes":["admin"],"sha256":"${attacker}"}}`;
    const lines = parseAuditLog(`${forged}\n${entryLine(seal({ ...change('another'), keyId: 'ops.1', key: { name: 'ops', scopes: ['chat'], notBefore: 'x', sha256: 'c'.repeat(64) }, keyFingerprint: 'c'.repeat(12) }, good as AuditEntry))}\n`);
    const chain = await checkChain(lines, undefined, 'k');
    expect(chain.problems.map((p) => `${p.line} ${p.rule}`)).toEqual(['1 audit-not-canonical']);
    expect(keysOnlyInBrokenLines(lines, chain.problems)).toEqual(new Map([['a'.repeat(64), 1], [attacker, 1]]));
  });
});
