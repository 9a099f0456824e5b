import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressLine, wholeNumberOption } from './io.js';

describe('progressLine', () => {
  afterEach(() => vi.useRealTimers());

  const capture = () => {
    const lines: string[] = [];
    return { lines, io: { out: () => {}, err: (t: string) => void lines.push(t) } };
  };

  it('says nothing for fewer than 1,000 environments, however long they take', () => {
    vi.useFakeTimers();
    const { lines, io } = capture();
    const progress = progressLine(io, 'render', 'rendered');
    vi.advanceTimersByTime(60_000);
    progress(500, 999);
    expect(lines).toEqual([]);
  });

  it('reports a long run at most every 5 s, with counts and seconds', () => {
    vi.useFakeTimers();
    const { lines, io } = capture();
    const progress = progressLine(io, 'plan', 'planned');
    progress(500, 10_000);
    vi.advanceTimersByTime(5_000);
    progress(2_000, 10_000);
    vi.advanceTimersByTime(1_000);
    progress(2_500, 10_000);
    vi.advanceTimersByTime(4_000);
    progress(4_000, 10_000);
    expect(lines).toEqual(['smartbot plan: 2,000 of 10,000 environments planned (5 s)\n', 'smartbot plan: 4,000 of 10,000 environments planned (10 s)\n']);
  });
});

describe('wholeNumberOption', () => {
  it('reads a count, or refuses it with the option name and the value given', () => {
    expect(wholeNumberOption('--jobs', undefined)).toBeUndefined();
    expect(wholeNumberOption('--jobs', '2')).toBe(2);
    expect(wholeNumberOption('--max-chars', '0', true)).toBe(0);
    expect(() => wholeNumberOption('--jobs', '0')).toThrow('--jobs must be a whole number above 0, got "0"');
    expect(() => wholeNumberOption('--jobs', '1.5')).toThrow('--jobs must be a whole number above 0, got "1.5"');
    expect(() => wholeNumberOption('--max-chars', '-1', true)).toThrow('--max-chars must be a whole number, got "-1"');
  });
});
