// The bad-input corpus: every file in test/fixtures/invalid/ must produce exactly the
// diagnostics listed for it in expected.json (rule, line:col and message), and no others.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateEnvironments } from '../validation/validate.js';
import { repoRoot } from './helpers/env.js';

const dir = join(repoRoot, 'test/fixtures/invalid');
const expected: Record<string, string[]> = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('bad-input corpus', () => {
  it('has at least 40 broken files, each with expectations', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(expected).sort()).toEqual(files);
  });

  it.each(files)('%s', (file) => {
    // The fixture models dir holds only files the model cases name: the other cases size their
    // model from sizeBytes, whatever the developer has built.
    const report = validateEnvironments({ root: repoRoot, paths: [join(dir, file)], modelsDir: join(repoRoot, 'test/fixtures/models') });
    // Paths inside the repository read the same on every machine.
    const got = report.diagnostics.map((d) => `${d.line}:${d.col} ${d.severity} ${d.message.replaceAll(`${repoRoot}/`, '')} [${d.rule}]`);
    expect(got).toEqual(expected[file]);
    expect(report.diagnostics.some((d) => d.severity === 'error')).toBe(true);
    for (const d of report.diagnostics) expect(d.file).toBe(join(dir, file));
  });
});
