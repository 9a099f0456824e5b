import { describe, expect, it } from 'vitest';
import { sampleReport } from './fixture.js';
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
        '  fix: Switch to 100% GCM:\nnow',
        '',
        '✖ 1 error, 1 warning: 1 of 2 environments invalid',
        '',
      ].join('\n'),
    );
  });

  it('summarises a clean run', () => {
    expect(formatText({ ioError: false, environments: sampleReport.environments.map((e) => ({ ...e, diagnostics: [] })), diagnostics: [] })).toBe('✔ 2 environments valid\n');
  });
});
