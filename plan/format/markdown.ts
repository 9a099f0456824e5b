// The plan as GitHub markdown (the pull-request comment, `--format md`). It can be held under a
// size limit: the document is a list of blocks, some of which have a shorter form; the biggest
// object diffs collapse first, then validation details, then whole environment sections, and
// a closing note says what was cut and where the full plan is.
import { plural } from '../../validation/format/format.js';
import type { EnvironmentPlan, Plan } from '../plan.js';
import { arrow, fromText, groupFields, headline, short, statusText, verdict, where } from './shared.js';

export interface MarkdownOptions {
  /** Longest result, in UTF-16 code units (never more characters than GitHub counts). */
  limit?: number;
  /** Where the uncut plan is, for the note ("the `smartbot-plan` artifact of [this run](…)"). */
  fullPlan?: string;
}

interface Block {
  text: string;
  /** A shorter stand-in, and what cutting loses (for the note). */
  cut?: { text: string; stage: number; what: string };
}

// Values come from the pull request, so they are shown as code or escaped text: no HTML, no
// @-mentions (a bot comment would notify whoever they name), nothing that breaks a table row.
const code = (s: string) => `\`${s.replace(/`/g, "'").replace(/\n/g, ' ')}\``;
/** In a table, a pipe ends the cell even inside code. */
const cellCode = (s: string) => code(s).replace(/\|/g, '\\|');
const text = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
/** A fence longer than any backtick run inside, so diff text cannot close it. */
const fence = (body: string) => '`'.repeat(Math.max(3, ...[...body.matchAll(/`+/g)].map((m) => m[0].length + 1)));

function environmentBlocks(e: EnvironmentPlan): Block[] {
  const blocks: Block[] = [];
  const v = e.validation;
  const facts = [
    v ? (v.valid ? `head ✔ valid${v.warnings ? ` (${plural(v.warnings, 'warning')})` : ''}` : `head ✖ **invalid** (${plural(v.errors, 'error')})`) : 'removed',
    e.objects
      ? `objects: ${[`${e.objects.added.length} added`, `${e.objects.removed.length} removed`, `${e.objects.changed.length} changed`, `${e.objects.unchanged} unchanged`].join(', ')}`
      : `objects not compared: ${e.objectsNote}`,
  ];
  blocks.push({ text: `\n### ${text(e.name)} — ${text(statusText(e))}\n\n${facts.join(' · ')}  \n<sub>${e.because.map(text).join('; ')}</sub>\n` });
  const o = e.objects;
  if (o) {
    const listed = [...o.added.map((a) => `- ➕ ${code(a.id)}`), ...o.removed.map((r) => `- ➖ ${code(r.id)}`)];
    if (listed.length) blocks.push({ text: `\n${listed.join('\n')}\n` });
    for (const c of o.changed) {
      const f = fence(c.diff);
      const what = `(${plural(c.size, 'line')} changed${c.redacted ? ', secret values redacted' : ''})`;
      // Inside HTML (<summary>) markdown is not parsed: an HTML code element instead.
      const summary = `✏️ <code>${text(c.id)}</code> ${what}`;
      blocks.push({
        text: `\n<details><summary>${summary}</summary>\n\n${f}diff\n${c.diff}${f}\n\n</details>\n`,
        cut: { text: `\n- ✏️ ${code(c.id)} ${what}: diff cut ✂\n`, stage: 1, what: text(`${e.name}: ${c.id} (${plural(c.size, 'line')})`) },
      });
    }
  }
  if (e.prune?.deletes.length) blocks.push({ text: `\n**Deleted when synced** — ${text(e.prune.why)}:\n${e.prune.deletes.map((id) => `- 🗑️ ${code(id)}`).join('\n')}\n` });
  if (e.prune?.orphans.length) blocks.push({ text: `\n**Left running, no longer managed** — ${text(e.prune.why)}:\n${e.prune.orphans.map((id) => `- ${code(id)}`).join('\n')}\n` });
  if (v?.diagnostics.length) {
    const rows = v.diagnostics.map((d) => `| ${d.severity === 'error' ? '✖' : '⚠'} | ${cellCode(`${d.file}:${d.line}:${d.col}`)} | ${text(d.message)} | ${cellCode(d.rule)} | ${text(d.fix)} |`);
    blocks.push({
      text: `\n<details${v.valid ? '' : ' open'}><summary>validation: ${plural(v.errors, 'error')}, ${plural(v.warnings, 'warning')}</summary>\n\n| | where | problem | rule | fix |\n|---|---|---|---|---|\n${rows.join('\n')}\n\n</details>\n`,
      cut: { text: `\n- validation: ${plural(v.errors, 'error')}, ${plural(v.warnings, 'warning')} (details cut ✂)\n`, stage: 2, what: text(`${e.name}: validation details`) },
    });
  }
  return blocks;
}

function planBlocks(plan: Plan): Block[] {
  const blocks: Block[] = [{ text: `## smartbot plan: ${code(short(plan.base.sha))} → ${code(short(plan.head.sha))}\n\n**${verdict(plan)}** — ${headline(plan)}\n` }];
  if (plan.risks.length) {
    const rows = plan.risks.map((r) => `| ${r.blocking ? '✖ blocking' : '⚠ review'} | ${cellCode(r.id)} | ${text(r.environments.join(', '))} | ${text(r.reason)} | ${r.source ? cellCode(where(r.source)) : ''} |`);
    blocks.push({ text: `\n### Risks\n\n| | risk | environments | why | where |\n|---|---|---|---|---|\n${rows.join('\n')}\n` });
  }
  const groups = groupFields(plan);
  if (groups.length) {
    const rows = groups.map((g) => `| ${text(g.environments.join(', '))} | ${cellCode(g.change.path)} | ${cellCode(arrow(g.change))} | ${cellCode(fromText(g.change))} |`);
    blocks.push({ text: `\n### Model changes\n\n| environments | field | change | from |\n|---|---|---|---|\n${rows.join('\n')}\n` });
  }
  for (const e of plan.environments) blocks.push(...environmentBlocks(e));
  if (plan.unchanged.length) blocks.push({ text: `\n<sub>Reached by a changed file, nothing differs: ${text(plan.unchanged.join(', '))}</sub>\n` });
  return blocks;
}

/** The markdown; with a limit, cut until it fits. */
export function planMarkdown(plan: Plan, opts: MarkdownOptions = {}): string {
  const blocks = planBlocks(plan);
  const limit = opts.limit ?? Infinity;
  const join = (bs: Block[]) => bs.map((b) => b.text).join('');
  let text = join(blocks);
  if (text.length <= limit) return text;

  const cut: string[] = [];
  const note = () =>
    `\n---\n✂ **Cut to fit GitHub's comment size limit**: ${cut.length > 12 ? `${cut.slice(0, 12).join('; ')}; and ${cut.length - 12} more` : cut.join('; ')}. The full plan is ${opts.fullPlan ?? 'printed by `npx smartbot plan`'}.\n`;
  let size = text.length;
  // Stages in order; within a stage the biggest block first.
  const cuttable = blocks.map((b, i) => ({ b, i })).filter((x) => x.b.cut).sort((x, y) => x.b.cut!.stage - y.b.cut!.stage || y.b.text.length - x.b.text.length);
  for (const { b, i } of cuttable) {
    if (size + note().length <= limit) break;
    size += b.cut!.text.length - b.text.length;
    blocks[i] = { text: b.cut!.text };
    cut.push(b.cut!.what);
  }
  // Last resort: drop whole parts of environment sections (largest first), keeping their
  // headings, then anything after the summary.
  const parts = blocks.map((b, i) => ({ b, i })).filter((x) => x.i > 0 && !x.b.text.startsWith('\n### ')).sort((x, y) => y.b.text.length - x.b.text.length);
  let dropped = 0;
  for (const { b, i } of parts) {
    if (size + note().length <= limit) break;
    size -= b.text.length;
    blocks[i] = { text: '' };
    if (dropped++ === 0) cut.push('the largest remaining parts of the plan');
  }
  for (let i = blocks.length - 1; i > 0 && size + note().length > limit; i--) {
    size -= blocks[i]!.text.length;
    blocks[i] = { text: '' };
  }
  text = join(blocks) + note();
  return text.length <= limit ? text : text.slice(0, Math.max(0, limit));
}
