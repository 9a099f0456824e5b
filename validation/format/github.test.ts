import { describe, expect, it } from 'vitest';
import { sampleReport } from './fixture.js';
import { formatGithub, renderGithub } from './github.js';

describe('github formatter', () => {
  it('writes one workflow command per diagnostic, escaping properties and data', () => {
    expect(formatGithub(sampleReport).split('\n')).toEqual([
      '::error file=environments/b%2C c.yaml,line=12,col=5,title=smartbot port-conflict::`ports.admin` is 8000, the same as `ports.internal`%0Afix: Give every port its own number.',
      '::warning file=environments/a.yaml,line=3,col=1,title=smartbot encryption-legacy::AES-256-CBC is legacy (no integrity protection)%0Afix: Switch to 100%25 GCM:%0Anow',
      '✖ 1 error, 1 warning: 1 of 2 environments invalid',
      '',
    ]);
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
