import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines, unifiedDiff } from './text-diff.js';

/** Length of the longest common subsequence (dynamic programming): the minimum a diff must keep. */
function lcs(a: string[], b: string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = x === b[j - 1] ? diag + 1 : Math.max(row[j]!, row[j - 1]!);
      diag = up;
    }
  }
  return row[b.length]!;
}

describe('diffLines', () => {
  it('is a minimal edit script that turns a into b', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const ops = diffLines(a, b);
        expect(ops.filter((o) => o.kind !== '+').map((o) => o.line)).toEqual(a);
        expect(ops.filter((o) => o.kind !== '-').map((o) => o.line)).toEqual(b);
        expect(ops.filter((o) => o.kind === ' ').length).toBe(lcs(a, b));
      }),
      { numRuns: 300 },
    );
  });
});

describe('unifiedDiff', () => {
  it('writes hunks with three lines of context, like diff -u', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'].join('\n') + '\n';
    const after = before.replace('2\n', 'two\n').replace('11\n', '');
    expect(unifiedDiff(before, after, { from: 'a', to: 'b' })).toBe(
      ['--- a', '+++ b', '@@ -1,5 +1,5 @@', ' 1', '-2', '+two', ' 3', ' 4', ' 5', '@@ -8,5 +8,4 @@', ' 8', ' 9', ' 10', '-11', ' 12', ''].join('\n'),
    );
  });

  it('joins changes closer than twice the context into one hunk', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\n';
    expect(unifiedDiff(before, before.replace('b', 'B').replace('f', 'F'), { from: 'x', to: 'y' }).match(/^@@/gm)).toHaveLength(1);
  });

  it('is empty for equal texts and handles added or emptied texts', () => {
    expect(unifiedDiff('a\n', 'a\n', { from: 'x', to: 'y' })).toBe('');
    expect(unifiedDiff('', 'a\nb\n', { from: 'x', to: 'y' })).toBe('--- x\n+++ y\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('a\n', '', { from: 'x', to: 'y' })).toBe('--- x\n+++ y\n@@ -1,1 +0,0 @@\n-a\n');
  });
});
