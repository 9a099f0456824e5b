import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { block, literal, scalar } from './yaml-text.js';

describe('scalar', () => {
  it.each([
    ['plain-name', 'plain-name'],
    ['a: b', '"a: b"'],
    ['# comment', '"# comment"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['two\nlines', '"two\\nlines"'],
    ['{{ .Values.x }}', '"{{ .Values.x }}"'],
    ['true', '"true"'],
    ['no', '"no"'],
    ['1.2', '"1.2"'],
    ['0755', '"0755"'],
    ['', '""'],
    ['- item', '"- item"'],
    ['*alias', '"*alias"'],
  ])('%j → %s', (input, out) => {
    expect(scalar(input)).toBe(out);
    expect(parse(`k: ${out}`)).toEqual({ k: input });
  });
});

describe('block', () => {
  it('emits nested maps and lists that parse back to the same value', () => {
    const value = { a: 1, b: { c: ['x: y', { d: true, e: [] }], f: {} }, g: [[1, 2], 'z'], 'key: with colon': null };
    const text = block(value, 2);
    expect(text).toBe(
      [
        '  a: 1',
        '  b:',
        '    c:',
        '    - "x: y"',
        '    - d: true',
        '      e: []',
        '    f: {}',
        '  g:',
        '  -',
        '    - 1',
        '    - 2',
        '  - z',
        '  "key: with colon": null',
      ].join('\n'),
    );
    expect(parse(text)).toEqual(value);
  });

  it('cannot be made to inject keys', () => {
    const evil = 'x\nspec:\n  hostNetwork: true';
    expect(parse(block({ name: evil }))).toEqual({ name: evil });
  });
});

describe('literal', () => {
  it('keeps text exact', () => {
    const text = '[PARSER]\n    Regex ^\\[(x)\\]$\n';
    expect(parse(`k: ${literal(text, 2)}`)).toEqual({ k: text });
  });

  it('indents every line that has text, and no empty one', () => {
    expect(literal('a\n\n  b\nc\n', 4)).toBe('|\n    a\n\n      b\n    c');
    expect(literal('\na\n\n', 2)).toBe('|\n\n  a\n');
    expect(literal('one line', 2)).toBe('|-\n  one line');
    expect(literal('', 2)).toBe('|-\n');
    for (const text of ['a\n\n  b\nc\n', '\na\n', 'tail\n  x']) expect(parse(`k: ${literal(text, 2)}`)).toEqual({ k: text });
  });
});
