import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import setup, { leftoverProblem } from './temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'smartbot-leftovers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the temp-dir check of a test run', () => {
  it('runs this suite in a temp dir of its own', () => {
    expect(tmpdir()).toMatch(/smartbot-test-run-[^/]+$/);
  });

  it('names what a run left, sorted, at most 20 then a count', () => {
    expect(leftoverProblem(dir)).toBeUndefined();
    for (let i = 0; i < 25; i++) mkdirSync(join(dir, `smartbot-x-${String(i).padStart(2, '0')}`));
    writeFileSync(join(dir, 'a.yaml'), '');
    const lines = leftoverProblem(dir)!.split('\n');
    expect(lines[0]).toBe('the tests left 26 entries in the temp dir; each test must remove what it creates:');
    expect(lines.slice(1, 3)).toEqual(['  a.yaml', '  smartbot-x-00']);
    expect(lines).toHaveLength(22);
    expect(lines[21]).toBe('  … and 6 more');
  });

  it('fails the run when something is left, and removes the dir either way', () => {
    const before = process.env.TMPDIR;
    try {
      const teardown = setup();
      const run = process.env.TMPDIR!;
      writeFileSync(join(run, 'garbled.yaml'), '');
      expect(teardown).toThrow('the tests left 1 entry in the temp dir; each test must remove what it creates:\n  garbled.yaml');
      expect(process.exitCode).toBe(1);
      expect(existsSync(run)).toBe(false);
      process.exitCode = undefined;
      const clean = setup();
      expect(clean).not.toThrow();
      expect(process.exitCode).toBeUndefined();
    } finally {
      process.env.TMPDIR = before;
      process.exitCode = undefined;
    }
  });
});
