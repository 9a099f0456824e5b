import { describe, expect, it } from 'vitest';
import type { ChangeGroup, Plan } from '../plan.js';
import { planMarkdown } from './markdown.js';
import { planText } from './text.js';

const GITHUB_LIMIT = 65_536;
const commit = (sha: string) => ({ ref: sha, sha: sha.repeat(40).slice(0, 40), date: '2026-01-01T00:00:00Z' });
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);

/** A group of `envs` environments whose deployment diff has `diffLines` changed lines. */
function group(envs: string[], diffLines: number, extra: Partial<ChangeGroup> = {}): ChangeGroup {
  const env = envs[0]!;
  return {
    environments: envs,
    status: 'changed',
    because: ['environments/tiers/base.yaml changed'],
    fields: [{ path: 'resources.cpu', pointer: '/resources/cpu', before: '2', after: '3', source: { file: 'environments/tiers/base.yaml', line: 20 }, tierDefault: true }],
    objects: {
      added: [],
      removed: [],
      unchanged: 10,
      changed: [{ id: `Deployment ${env}/svc`, file: `rendered/${env}/kubernetes/deployment.yaml`, diff: `--- a\n+++ b\n@@ -1,1 +1,1 @@\n${'-  cpu: "2"\n+  cpu: "3"\n'.repeat(diffLines)}`, size: 2 * diffLines }],
    },
    restarts: [{ id: `Deployment ${env}/svc`, why: ['resources'] }],
    validation: { valid: true, errors: 0, warnings: 0, diagnostics: [] },
    risks: [],
    ...extra,
  };
}

function plan(groups: ChangeGroup[], unchanged: string[] = []): Plan {
  const envs = groups.reduce((n, g) => n + g.environments.length, 0);
  return {
    version: 2,
    base: commit('a'),
    head: commit('b'),
    groups,
    unchanged,
    risks: [],
    summary: { environments: envs, groups: groups.length, invalid: 0, restarts: envs, risks: 0, blocking: 0 },
  };
}

describe('planMarkdown', () => {
  it('shows a group once: its change, its count and a few names; unchanged environments as one count', () => {
    const md = planMarkdown(plan([group(names('env', 6666), 1)], names('ent', 3334)));
    expect(md).toContain('### 6,666 environments — changed\n\nenv-00000, env-00001, env-00002 and 6,663 more\n');
    expect(md).toContain('| `resources.cpu` | `"2" → "3"` | `tier default, environments/tiers/base.yaml:20` |');
    expect(md).toContain('**Restarts pods**: Deployment env-00000/svc (resources)');
    expect(md).toContain('<sub>Objects as rendered for env-00000.</sub>');
    expect(md).toContain('Reached by a changed file, nothing differs: 3,334 environments.');
    expect(md).not.toContain('env-00003');
    expect(md).not.toContain('ent-');
  });

  it('without a size problem: every diff in full, and no note', () => {
    const md = planMarkdown(plan([group(['small'], 5), group(['big'], 2000)]), { limit: 1e9 });
    expect(md).toContain('<details><summary>✏️ <code>Deployment big/svc</code> (4000 lines changed)</summary>');
    expect(md).not.toContain('Shortened');
  });

  it('stays under the limit by construction, up to 10 MB of diff, degrading group by group in the stated steps', () => {
    // 300 groups: the first few huge, then many small ones; about 10 MB of diff in all.
    const groups = [group(names('huge', 3), 380_000), group(names('large', 40), 20_000), ...Array.from({ length: 298 }, (_, i) => group([`g${i}`], 40 + (i % 7)))];
    const p = plan(groups);
    const diffBytes = groups.reduce((n, g) => n + g.objects!.changed[0]!.diff.length, 0);
    expect(diffBytes).toBeGreaterThan(9_000_000);
    const md = planMarkdown(p, { limit: GITHUB_LIMIT, fullPlan: 'in the artifact' });
    expect(md.length).toBeLessThanOrEqual(GITHUB_LIMIT);
    // The footer says, level by level, how much was shown, and where the rest is; never a blind cut.
    expect(md).toMatch(/\n---\n<sub>Shortened to fit GitHub's comment size limit, group by group: (\d+ groups? with full diffs, )?\d+ groups? as per-object summaries(, \d+ groups? as per-field summaries)?(, \d+ groups? as names and counts only)?(, \d+ groups? \(\d+ environments?\) not shown)?\. The whole plan — every environment of every group, every diff — is in the artifact\.<\/sub>\n$/);
    // The most important group is still named with its count and its change; a huge diff is summarised, not cut.
    expect(md).toContain('### 3 environments — changed');
    expect(md).toContain('- ✏️ `Deployment huge-00000/svc` (760000 lines changed)');
    expect(md.match(/```diff/g)?.length ?? 0).toBeGreaterThan(0);
    // Every fence that opens, closes.
    expect((md.match(/^```/gm)?.length ?? 0) % 2).toBe(0);
  });

  it('with more groups than fit even as names and counts: as many as fit, then one line for the rest', () => {
    const p = plan(Array.from({ length: 5000 }, (_, i) => group([`env-${i}`], 1)));
    const md = planMarkdown(p, { limit: GITHUB_LIMIT, fullPlan: 'in the artifact' });
    expect(md.length).toBeLessThanOrEqual(GITHUB_LIMIT);
    expect(md).toMatch(/\n- … and [\d,]+ more groups \([\d,]+ environments\), in the whole plan\.\n/);
    expect(md).toMatch(/\d+ groups? as names and counts only, [\d,]+ groups \([\d,]+ environments\) not shown/);
  });

  it('the text form follows the same rules', () => {
    const groups = [group(names('huge', 3), 200_000), ...Array.from({ length: 50 }, (_, i) => group([`g${i}`], 10))];
    const text = planText(plan(groups), { limit: GITHUB_LIMIT });
    expect(text.length).toBeLessThanOrEqual(GITHUB_LIMIT);
    expect(text).toContain('── 3 environments (changed: environments/tiers/base.yaml changed)\n  huge-00000, huge-00001, huge-00002\n');
    expect(text).toMatch(/\nShortened to fit --max-chars, group by group: .*\. The whole plan: --format json\.\n\n✔ nothing blocks this change\n$/);
  });

  it('shows pull-request text without images, links, @-mentions, HTML, CR or a way out of its code spans', () => {
    const name = 'cr\r@octocat ![x](https://evil.example/p.png) <img src=x>';
    const hostile = group([name], 1, {
      fields: [{ path: 'description', pointer: '/description', before: 'a', after: 'x`y` | @team [l](http://evil.example)', source: { file: `environments/${name}.yaml`, line: 3 }, tierDefault: false }],
      risks: [{ id: 'image-mutable-tag', blocking: false, reason: 'image @octo/owners <b>x</b> | y ![i](http://e.x/i.png)' }],
    });
    const p: Plan = { ...plan([hostile]), risks: [{ ...hostile.risks[0]!, environments: [name] }], summary: { ...plan([hostile]).summary, risks: 1 } };
    const md = planMarkdown(p);
    expect(md).not.toContain('\r');
    // What GitHub renders as markup: everything outside fenced blocks and code spans.
    const prose = md.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '').replace(/(`+)[\s\S]*?[^`]\1(?!`)/g, '');
    expect(prose).not.toMatch(/!\[|\]\(|<img|<b>|@octo|@team|https?:\/\/|`/);
    expect(md).toContain('| image @&#8203;octo/owners &#60;b&#62;x&#60;/b&#62; &#124; y &#33;&#91;i&#93;(http:&#8203;//e.x/i.png) |');
    // The value sits in a code span its own backticks cannot close; the table's pipe is escaped.
    expect(md).toContain('| `description` | ``a → "x`y` \\| @team [l](http://evil.example)"`` |');
    expect(md).toContain('### cr&#92;r@&#8203;octocat &#33;&#91;x&#93;(https:&#8203;//evil.example/p.png) &#60;img src=x&#62; — changed');
  });
});
