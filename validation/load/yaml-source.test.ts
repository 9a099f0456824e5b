// Loading one YAML file: what a hostile file can and cannot do to the loaded value.
import { describe, expect, it } from 'vitest';
import { parseYamlText } from './yaml-source.js';

const load = (text: string) => {
  const r = parseYamlText('t.yaml', text);
  return r.ok ? { value: r.source.value as Record<string, unknown> } : { errors: r.diagnostics.map((d) => `${d.line}:${d.col} ${d.rule} ${d.message}`) };
};

describe('YAML loading', () => {
  it('loaded maps inherit nothing: no key reaches Object.prototype', () => {
    const { value } = load('a: {b: 1}\n');
    const inner = value!.a as Record<string, unknown>;
    for (const o of [value!, inner]) {
      expect('toString' in o).toBe(false);
      expect('constructor' in o).toBe(false);
      expect('__proto__' in o).toBe(false);
    }
    expect(JSON.stringify(value)).toBe('{"a":{"b":1}}');
  });

  it('refuses __proto__, constructor and prototype as keys, at each key', () => {
    expect(load('__proto__: {tier: enterprise}\na:\n  constructor: 1\n  list: [{prototype: 2}]\n"__proto__": 3\n').errors).toEqual([
      '1:1 yaml-reserved-key `__proto__` is not allowed as a key',
      '3:3 yaml-reserved-key `constructor` is not allowed as a key',
      '4:11 yaml-reserved-key `prototype` is not allowed as a key',
      '5:1 yaml-reserved-key `__proto__` is not allowed as a key',
    ]);
  });

  it('finds duplicate keys by the name the value will hold (1 and "1" collide), in every map', () => {
    expect(load('1: a\n"1": b\nm: {x: 1, y: 2, x: 3}\n').errors).toEqual(['2:1 yaml-duplicate-key duplicate key `1`', '3:17 yaml-duplicate-key duplicate key `x`']);
  });

  it('counts list items with keys, and block nesting with flow nesting', () => {
    expect(load(`a: [${'1, '.repeat(5000)}1]\n`).errors).toEqual(['1:15003 yaml-too-many-entries the file holds more than 5000 keys and list items']);
    const nested = (levels: number) => `${Array.from({ length: levels }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} value\n`;
    expect(load(nested(64)).value).toBeDefined();
    expect(load(nested(65)).errors).toEqual(['65:66 yaml-too-deep maps and lists nest more than 64 levels deep here']);
    expect(load(`a: ${'['.repeat(63)}1${']'.repeat(63)}\n`).value).toBeDefined();
    expect(load(`a: ${'['.repeat(64)}1${']'.repeat(64)}\n`).errors).toEqual(['1:67 yaml-too-deep maps and lists nest more than 64 levels deep here']);
  });
});
