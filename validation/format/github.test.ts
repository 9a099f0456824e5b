import { describe, expect, it } from 'vitest';
import { hostileReport, manyDiagnostics, sampleReport } from './fixture.js';
import { formatGithub, renderGithub } from './github.js';

describe('github formatter', () => {
  it('writes one workflow command per diagnostic, escaping properties and data', () => {
    expect(formatGithub(sampleReport).split('\n')).toEqual([
      '::error file=environments/b%2C c.yaml,line=12,col=5,title=smartbot port-conflict::`ports.admin` is 8000, the same as `ports.internal`%0Afix: Give every port its own number.',
      '::warning file=environments/a.yaml,line=3,col=1,title=smartbot encryption-legacy::AES-256-CBC is legacy (no integrity protection)%0Afix: Switch to 100%25 GCM:\\nnow',
      '✖ 1 error, 1 warning: 1 of 2 environments invalid',
      '',
    ]);
  });
});

describe('github formatter: hostile files', () => {
  it('escapes what the file wrote, so it cannot end the annotation or start a forged one, and never shows the source line', () => {
    expect(formatGithub(hostileReport)).toBe(
      '::error file=environments/x\\x1b[2J.yaml,line=2,col=1,title=smartbot schema-unknown-key::unknown key `\\r✔ 3 environments valid\\x1b[K\\u{202e}` in (top level)%0Afix: Known keys here: tier.\n' +
        '✖ 1 error, 0 warnings: 1 of 1 environment invalid\n',
    );
  });

  it('annotates at most 50 diagnostics per file and 500 per run, then counts the rest in the log', () => {
    const lines = formatGithub(manyDiagnostics({ files: 11, perFile: 60 })).split('\n');
    expect(lines.filter((l) => l.startsWith('::'))).toHaveLength(500);
    expect(lines).toContain('… 10 more diagnostics in f00.yaml not shown (at most 50 per file and 500 per run)');
    expect(lines).toContain('… 60 more diagnostics in f10.yaml not shown (at most 50 per file and 500 per run)');
  });
});

describe('github formatter: the render drift gate', () => {
  it('annotates each stale file, then prints the plain summary', () => {
    const out = renderGithub({ outDir: 'rendered', mode: 'check', environments: [{ env: 'dev', files: 2 }], drift: { changed: ['rendered/dev/a,b.yaml'], missing: [], extra: ['rendered/old/'] }, removed: [] });
    expect(out.split('\n')).toEqual([
      '::error file=rendered/dev/a%2Cb.yaml,title=smartbot render --check::rendered/dev/a,b.yaml differs from what `npx smartbot render` produces',
      '::error file=rendered/old/,title=smartbot render --check::rendered/old/ is not produced by any environment: `npx smartbot render` would remove it',
      '✖ rendered/ is stale — 2 files:',
      '  changed  rendered/dev/a,b.yaml',
      '  extra    rendered/old/',
      'Run `npx smartbot render` and commit the result.',
      '',
    ]);
  });
});
