import { describe, expect, it } from 'vitest';
import type { EnvironmentPlan, Plan } from '../plan.js';
import { planMarkdown } from './markdown.js';

const commit = (sha: string) => ({ ref: sha, sha: sha.repeat(40).slice(0, 40), date: '2026-01-01T00:00:00Z' });
const env = (name: string, diffLines: number): EnvironmentPlan => ({
  name,
  status: 'changed',
  because: [`environments/${name}.yaml changed`],
  fields: [{ path: 'replicas', pointer: '/replicas', before: 1, after: 2, source: { file: `environments/${name}.yaml`, line: 3 }, tierDefault: false }],
  objects: {
    added: [],
    removed: [],
    unchanged: 10,
    changed: [{ id: `Deployment ${name}/svc`, file: `rendered/${name}/kubernetes/deployment.yaml`, diff: `--- a\n+++ b\n@@ -1,1 +1,1 @@\n${'-a\n+b\n'.repeat(diffLines)}`, size: 2 * diffLines }],
  },
  validation: { valid: true, errors: 0, warnings: 0, diagnostics: [] },
  risks: [],
});
const plan = (...envs: EnvironmentPlan[]): Plan => ({
  version: 1,
  base: commit('a'),
  head: commit('b'),
  environments: envs,
  unchanged: [],
  risks: [],
  summary: { environments: envs.length, invalid: 0, risks: 0, blocking: 0 },
});

describe('planMarkdown', () => {
  const p = plan(env('small', 5), env('big', 2000), env('mid', 500));

  it('without a limit: every diff, in a collapsed block, and no note', () => {
    const md = planMarkdown(p);
    expect(md).toContain('<details><summary>✏️ <code>Deployment big/svc</code> (4000 lines changed)</summary>');
    expect(md).toContain('| big | `replicas` | `1 → 2` | `environments/big.yaml:3` |');
    expect(md).not.toContain('✂');
  });

  it('with a limit: the biggest diff goes first, the note names it and where the full plan is', () => {
    const md = planMarkdown(p, { limit: 8_000, fullPlan: 'in the artifact' });
    expect(md.length).toBeLessThanOrEqual(8_000);
    expect(md).toContain('- ✏️ `Deployment big/svc` (4000 lines changed): diff cut ✂');
    expect(md).toContain('```diff\n--- a\n+++ b\n@@ -1,1 +1,1 @@\n-a\n+b'); // mid and small survive
    expect(md).toMatch(/✂ \*\*Cut to fit GitHub's comment size limit\*\*: big: Deployment big\/svc \(4000 lines\)\. The full plan is in the artifact\.\n$/);
  });

  it('with a tiny limit: still under it, keeping the summary and the note', () => {
    const md = planMarkdown(p, { limit: 1500 });
    expect(md.length).toBeLessThanOrEqual(1500);
    expect(md).toMatch(/^## smartbot plan: `aaaaaaa` → `bbbbbbb`\n\n\*\*✔ nothing blocks this change\*\*/);
    expect(md).toContain('✂ **Cut to fit');
  });

  it('shows pull-request text without HTML, @-mentions or broken table rows', () => {
    const e = env('x', 1);
    const hostile: Plan = {
      ...plan(e),
      risks: [{ id: 'image-mutable-tag', blocking: false, reason: 'image @octo/owners <b>x</b> | y', environments: ['x'] }],
      summary: { environments: 1, invalid: 0, risks: 1, blocking: 0 },
    };
    e.fields[0]!.after = 'a|b `c`';
    const md = planMarkdown(hostile);
    expect(md).toContain('| image &#64;octo/owners &lt;b&gt;x&lt;/b&gt; \\| y |');
    expect(md).toContain("| `1 → \"a\\|b 'c'\"` |");
  });
});
