// The plan as GitHub markdown (the pull-request comment, `--format md`): a summary, the risks,
// then one section per group of environments with the same change, each at the richest level
// of detail the size limit leaves room for (shared.ts: layout), and a footer that links the
// whole plan and says what was shortened. Everything from the pull request is shown through
// md-text.ts: as inert text, or as code that cannot be broken out of.
import { plural } from '../../validation/format/format.js';
import type { ChangeGroup, Plan, PlanRisk } from '../types.js';
import { mdCode, mdFence, mdText } from './md-text.js';
import {
  arrow,
  clip,
  count,
  counted,
  fromText,
  groupTitle,
  headline,
  layout,
  bounded,
  noteText,
  objectCounts,
  restartText,
  sample,
  short,
  statusText,
  verdict,
  where,
  type LayoutNote,
  type Level,
  type Writer,
} from './shared.js';

export interface MarkdownOptions {
  /** Longest result, in UTF-16 code units (never more characters than GitHub counts). */
  limit?: number;
  /** Where the whole plan is ("the `smartbot-plan` artifact of [this run](…)"): linked from the footer. */
  fullPlan?: string;
}

const cell = (s: string) => mdCode(s, { cell: true });

function validationLine(g: ChangeGroup): string {
  const v = g.validation;
  if (!v) return 'removed';
  return v.valid ? `head ✔ valid${v.warnings ? ` (${plural(v.warnings, 'warning')})` : ''}` : `head ✖ **invalid** (${plural(v.errors, 'error')}${v.warnings ? `, ${plural(v.warnings, 'warning')}` : ''})`;
}

function fieldsTable(g: ChangeGroup): string {
  if (g.fields.length === 0) return '';
  const rows = bounded(
    g.fields.map((c) => `| ${cell(clip(c.path))} | ${cell(clip(arrow(c), 300))} | ${cell(fromText(c))} |`),
    (n) => `| … | ${counted(n, 'more field')} | |`,
  );
  return `\n| field | change | from |\n|---|---|---|\n${rows.join('\n')}\n`;
}

function objectList(g: ChangeGroup, level: Level, env: string): string {
  const o = g.objects;
  if (!o) return '';
  const parts: string[] = [];
  const listed = bounded([...o.added.map((a) => `- ➕ ${mdCode(a.id)}`), ...o.removed.map((r) => `- ➖ ${mdCode(r.id)}`)], (n) => `- … and ${counted(n, 'more object')}`);
  if (listed.length) parts.push(`\n${listed.join('\n')}\n`);
  const what = (c: (typeof o.changed)[number]) => `(${plural(c.size, 'line')} changed${c.redacted ? ', secret values redacted' : ''})`;
  if (level === 1) {
    for (const c of o.changed)
      // Inside HTML (<summary>) markdown is not parsed: an HTML code element instead.
      parts.push(`\n<details><summary>✏️ <code>${mdText(c.id)}</code> ${what(c)}</summary>\n\n${mdFence(c.diff, 'diff')}\n\n</details>\n`);
  } else if (o.changed.length) {
    parts.push(`\n${bounded(o.changed.map((c) => `- ✏️ ${mdCode(c.id)} ${what(c)}`), (n) => `- … and ${counted(n, 'more changed object')}`).join('\n')}\n`);
  }
  if (g.prune?.deletes.length) parts.push(`\n**Deleted when synced** — ${mdText(g.prune.why)}:\n${bounded(g.prune.deletes.map((id) => `- 🗑️ ${mdCode(id)}`), (n) => `- … and ${n} more`).join('\n')}\n`);
  if (g.prune?.orphans.length) parts.push(`\n**Left running, no longer managed** — ${mdText(g.prune.why)}:\n${bounded(g.prune.orphans.map((id) => `- ${mdCode(id)}`), (n) => `- … and ${n} more`).join('\n')}\n`);
  if (parts.length && g.environments.length > 1) parts.unshift(`\n<sub>Objects as rendered for ${mdText(env)}.</sub>\n`);
  return parts.join('');
}

function validationDetails(g: ChangeGroup, level: Level): string {
  const v = g.validation;
  if (!v?.diagnostics.length) return '';
  const mark = (severity: string) => (severity === 'error' ? '✖' : '⚠');
  if (level === 2) {
    const rows = bounded(
      v.diagnostics.map((d) => `- ${mark(d.severity)} ${mdCode(`${d.file}:${d.line}:${d.col}`)} ${mdText(clip(d.message, 300))} ${mdCode(d.rule)}`),
      (n) => `- … and ${counted(n, 'more diagnostic')}`,
    );
    return `\n${rows.join('\n')}\n`;
  }
  const rows = bounded(
    v.diagnostics.map((d) => `| ${mark(d.severity)} | ${cell(`${d.file}:${d.line}:${d.col}`)} | ${mdText(d.message)} | ${cell(d.rule)} | ${mdText(d.fix)} |`),
    (n) => `| | … | ${counted(n, 'more diagnostic')} | | |`,
  );
  return `\n<details${v.valid ? '' : ' open'}><summary>validation: ${plural(v.errors, 'error')}, ${plural(v.warnings, 'warning')}</summary>\n\n| | where | problem | rule | fix |\n|---|---|---|---|---|\n${rows.join('\n')}\n\n</details>\n`;
}

const riskIds = (g: ChangeGroup) => [...new Set(g.risks.map((r) => `${r.blocking ? '✖ ' : ''}${mdCode(r.id)}`))].join(', ');

function group(g: ChangeGroup, level: Level): string {
  const title = groupTitle(g, mdText);
  const names = g.environments.length > 1 ? sample(g.environments, mdText) : '';
  if (level === 4) {
    const fields = g.fields.length ? `${mdCode(clip(g.fields[0]!.path))} ${mdCode(clip(arrow(g.fields[0]!)))}${g.fields.length > 1 ? ` and ${counted(g.fields.length - 1, 'more field')}` : ''}` : 'no field changes';
    const facts = [fields, g.objects ? `${counted(g.objects.added.length + g.objects.removed.length + g.objects.changed.length, 'object')} changed` : 'objects not compared', validationLine(g)];
    if (g.restarts.length) facts.push('restarts pods');
    if (g.risks.length) facts.push(`risks: ${riskIds(g)}`);
    return `\n- **${title}** — ${mdText(statusText(g))}${names ? ` (${names})` : ''}: ${facts.join(' · ')}\n`;
  }
  const facts = [validationLine(g), mdText(objectCounts(g))];
  const lines = [`\n### ${title} — ${mdText(statusText(g))}\n`];
  if (names) lines.push(`\n${names}\n`);
  lines.push(`\n${facts.join(' · ')}  \n<sub>${g.because.map((b) => mdText(b)).join('; ')}</sub>\n`);
  if (g.restarts.length) lines.push(`\n**Restarts pods**: ${g.restarts.map((r) => mdText(restartText(r))).join('; ')}\n`);
  if (g.risks.length) lines.push(`\nRisks: ${riskIds(g)}\n`);
  lines.push(fieldsTable(g));
  if (level <= 2) lines.push(objectList(g, level, g.environments[0]!), validationDetails(g, level));
  return lines.join('');
}

function riskRow(r: PlanRisk): string {
  const envs = r.environments.length === 1 ? mdText(clip(r.environments[0]!)) : `${count(r.environments.length)}: ${sample(r.environments, mdText)}`;
  return `| ${r.blocking ? '✖ blocking' : '⚠ review'} | ${cell(r.id)} | ${envs} | ${mdText(clip(r.reason, 400))} | ${r.source ? cell(where(r.source)) : ''} |`;
}

export function markdownWriter(opts: MarkdownOptions = {}): Writer {
  return {
    header: (plan) => `## smartbot plan: ${mdCode(short(plan.base.sha))} → ${mdCode(short(plan.head.sha))}\n\n**${verdict(plan)}** — ${mdText(headline(plan))}\n`,
    risks: (rows, more) =>
      rows.length
        ? `\n### Risks\n\n| | risk | environments | why | where |\n|---|---|---|---|---|\n${rows.map(riskRow).join('\n')}\n${more ? `\n… and ${counted(more, 'more risk')}, in the whole plan.\n` : ''}`
        : '',
    group: (g, level) => group(g, level),
    moreGroups: (groups, environments) => `\n- … and ${counted(groups, 'more group')} (${counted(environments, 'environment')}), in the whole plan.\n`,
    unchanged: (n) => (n ? `\n<sub>Reached by a changed file, nothing differs: ${counted(n, 'environment')}.</sub>\n` : ''),
    footer: (_plan, note: LayoutNote | undefined) => {
      if (!note && !opts.fullPlan) return '';
      const whole = `The whole plan — every environment of every group, every diff — is ${opts.fullPlan ?? 'printed by `npx smartbot plan --format json`'}.`;
      return `\n---\n<sub>${note ? `Shortened to fit GitHub's comment size limit, group by group: ${noteText(note)}. ` : ''}${whole}</sub>\n`;
    },
  };
}

/** The markdown; with a limit, laid out to fit it. */
export function planMarkdown(plan: Plan, opts: MarkdownOptions = {}): string {
  return layout(plan, markdownWriter(opts), opts.limit);
}
