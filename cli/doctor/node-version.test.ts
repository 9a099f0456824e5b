// The engines range check: the npm range forms engines fields use.
import { describe, expect, it } from 'vitest';
import { satisfies } from './node-version.js';

describe('doctor: Node against engines', () => {
  it.each([
    ['20.20.2', '>=20.19', true],
    ['20.18.9', '>=20.19', false],
    ['22.1.0', '^20.19.0 || >=22', true],
    ['21.7.3', '^20.19.0 || >=22', false],
    ['20.5.0', '20.x', true],
    ['21.0.0', '20.x', false],
    ['20.19.5', '~20.19', true],
    ['20.20.0', '~20.19', false],
    ['19.9.9', '>=18 <20', true],
    ['20.0.0', '>=18 <20', false],
    ['2.3.9', '1.2.3 - 2.3', true],
    ['2.4.0', '1.2.3 - 2.3', false],
    ['21.0.0', '>20', true],
    ['20.99.0', '>20', false],
    ['20.99.0', '<=20', true],
    ['0.2.5', '^0.2.3', true],
    ['0.3.0', '^0.2.3', false],
    ['24.0.0', '*', true],
    ['v20.19.0', '>= 20.19.0', true],
  ])('%s satisfies "%s": %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });
});
