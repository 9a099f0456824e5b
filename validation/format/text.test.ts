import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../diagnostics.js';
import { hostileReport, manyDiagnostics, sampleReport } from './fixture.js';
import { formatText } from './text.js';

describe('text formatter', () => {
  it('prints location, severity, message, rule, the source line with a caret, and the fix', () => {
    expect(formatText(sampleReport)).toBe(
      [
        'environments/b, c.yaml:12:5  error  `ports.admin` is 8000, the same as `ports.internal`  [port-conflict]',
        '  12 |  admin: 8000',
        '     |     ^',
        '  fix: Give every port its own number.',
        '',
        'environments/a.yaml:3:1  warning  AES-256-CBC is legacy (no integrity protection)  [encryption-legacy]',
        '  fix: Switch to 100% GCM:\\nnow',
        '',
        '✖ 1 error, 1 warning: 1 of 2 environments invalid',
        '',
      ].join('\n'),
    );
  });

  it('summarises a clean run', () => {
    expect(formatText({ ioError: false, environments: sampleReport.environments.map((e) => ({ ...e, diagnostics: [] })), diagnostics: [] })).toBe('✔ 2 environments valid\n');
  });

  it('escapes control characters from the file, so a key cannot clear the screen or forge a line', () => {
    const out = formatText(hostileReport);
    expect(out).toBe(
      [
        'environments/x\\x1b[2J.yaml:2:1  error  unknown key `\\r✔ 3 environments valid\\x1b[K\\u{202e}` in (top level)  [schema-unknown-key]',
        '  2 | \\r✔ 3 environments valid\\x1b[K\\u{202e}: 1',
        '    | ^',
        '  fix: Known keys here: tier.',
        '',
        '✖ 1 error, 0 warnings: 1 of 1 environment invalid',
        '',
      ].join('\n'),
    );
    expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u202e]/);
  });

  it('shows at most 200 columns of a long line, around the caret', () => {
    const d: Diagnostic = { file: 'e.yaml', line: 1, col: 500_001, rule: 'yaml-syntax', severity: 'error', message: 'm', fix: 'f', source: `${'a'.repeat(500_000)}B${'c'.repeat(500_000)}` };
    const lines = formatText({ ioError: false, environments: [{ file: 'e.yaml', name: 'e', diagnostics: [d] }], diagnostics: [d] }).split('\n');
    expect(lines[1]).toBe(`  1 | …${'a'.repeat(100)}B${'c'.repeat(99)}…`);
    expect(lines[2]).toBe(`    | ${' '.repeat(101)}^`);
  });

  it('prints at most 50 diagnostics per file and 500 per run, errors first, then counts the rest', () => {
    const out = formatText(manyDiagnostics({ files: 12, perFile: 60 }));
    const heads = out.split('\n').filter((l) => /^f\d+\.yaml:/.test(l));
    expect(heads).toHaveLength(500);
    expect(heads.filter((l) => l.startsWith('f00.yaml:'))).toHaveLength(50);
    // f00 has 45 errors and 15 warnings: every error is shown, and 5 warnings fill the 50.
    expect(heads.filter((l) => l.startsWith('f00.yaml:') && l.includes('  warning  '))).toHaveLength(5);
    expect(out).toContain('… 10 more diagnostics in f00.yaml not shown (at most 50 per file and 500 per run)\n');
    expect(out).toContain('… 60 more diagnostics in f10.yaml not shown (at most 50 per file and 500 per run)\n');
    expect(out).toContain('… 60 more diagnostics in f11.yaml not shown');
    // The summary counts everything, shown or not.
    expect(out.endsWith('\n\n✖ 540 errors, 180 warnings: 12 of 12 environments invalid\n')).toBe(true);
  });
});
