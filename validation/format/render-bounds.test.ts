// render's output at fleet scale, in every format: a count, at most 50 paths, then "and N more".
import { describe, expect, it } from 'vitest';
import type { RenderOutcome } from './format.js';
import { renderGithub } from './github.js';
import { renderJson } from './json.js';
import { renderText } from './text.js';

const names = Array.from({ length: 10_000 }, (_, i) => `env-${String(i).padStart(5, '0')}`);
const environments = names.map((env) => ({ env, files: 18 }));
/** A tier change seen by --check: two files of 6,666 environments differ, and one old tree is left over. */
const stale: RenderOutcome = {
  outDir: 'rendered',
  mode: 'check',
  environments,
  drift: {
    changed: names.slice(0, 6_666).flatMap((n) => [`rendered/${n}/kubernetes/configmap.yaml`, `rendered/${n}/kubernetes/deployment.yaml`]),
    missing: [],
    extra: ['rendered/old/'],
  },
  removed: [],
};
const written: RenderOutcome = { outDir: 'rendered', mode: 'write', environments: environments.map((e, i) => ({ ...e, status: i % 3 ? 'written' : 'unchanged' })), drift: { changed: [], missing: [], extra: [] }, removed: ['old'] };

describe('render output for 10,000 environments', () => {
  it('--check lists the count, the first 50 stale files and how many more, in a few KB', () => {
    const out = renderText(stale);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('✖ rendered/ is stale — 13,333 files:');
    expect(lines[1]).toBe('  changed  rendered/env-00000/kubernetes/configmap.yaml');
    expect(lines[50]).toBe('  changed  rendered/env-00024/kubernetes/deployment.yaml');
    expect(lines.slice(51)).toEqual(['  … and 13,283 more', 'Run `npx smartbot render` and commit the result.']);
    expect(Buffer.byteLength(out)).toBeLessThan(20 * 1024);
  });

  it('--check --format github annotates the same 50 files, and json lists them with the count of the rest', () => {
    const annotations = renderGithub(stale).split('\n').filter((l) => l.startsWith('::error '));
    expect(annotations).toHaveLength(50);
    expect(annotations[49]).toContain('file=rendered/env-00024/kubernetes/deployment.yaml,');
    const doc = JSON.parse(renderJson(stale));
    expect(doc).toMatchObject({ upToDate: false, stale: 13_333, missing: [], extra: [], notListed: 13_283 });
    expect(doc.changed).toHaveLength(50);
    expect(Buffer.byteLength(renderGithub(stale))).toBeLessThan(20 * 1024);
  });

  it('render lists the first 50 environments, then a count of each outcome', () => {
    const lines = renderText(written).trimEnd().split('\n');
    expect(lines[0]).toBe('unchanged rendered/env-00000/ (18 files)');
    expect(lines[1]).toBe('rendered rendered/env-00001/ (18 files)');
    expect(lines.slice(50)).toEqual(['… and 9,951 more', '10,000 environments: 6,666 rendered, 3,334 unchanged, 1 removed']);
    const doc = JSON.parse(renderJson(written));
    expect(doc).toMatchObject({ environments: 10_000, notListed: 6_616, removed: ['old'] });
    expect(doc.written).toHaveLength(50);
  });
});
