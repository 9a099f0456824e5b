// The plan for a terminal: the summary, the risks, one section per group of environments with
// the same change (fields, restarts, objects with diffs, prune list, head validation), the
// verdict. Laid out like the markdown (shared.ts), under the same limit by default; everything
// from the pull request is printed through `visible`, so no control character reaches the terminal.
import { plural } from '../../validation/format/format.js';
import { visible } from '../../validation/format/safe-text.js';
import { formatDiagnostic } from '../../validation/format/text.js';
import type { ChangeGroup, Plan, PlanRisk } from '../types.js';
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

const indent = (text: string, by: string) =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => by + visible(l))
    .join('\n');


function validationLine(g: ChangeGroup): string | undefined {
  const v = g.validation;
  if (!v) return undefined;
  return `  head: ${v.valid ? 'valid' : `INVALID (${plural(v.errors, 'error')})`}${v.warnings ? `, ${plural(v.warnings, 'warning')}` : ''}`;
}

function group(g: ChangeGroup, level: Level): string {
  const title = groupTitle(g, visible);
  const because = g.because.map(visible).join('; ');
  const names = g.environments.length > 1 ? sample(g.environments, visible) : '';
  if (level === 4) {
    const facts = [
      g.fields.length ? `${visible(clip(g.fields[0]!.path))} ${visible(clip(arrow(g.fields[0]!)))}${g.fields.length > 1 ? ` and ${counted(g.fields.length - 1, 'more field')}` : ''}` : 'no field changes',
      g.objects ? `${counted(g.objects.added.length + g.objects.removed.length + g.objects.changed.length, 'object')} changed` : 'objects not compared',
    ];
    if (g.validation && !g.validation.valid) facts.push('head INVALID');
    if (g.restarts.length) facts.push('restarts pods');
    if (g.risks.length) facts.push(`risks: ${[...new Set(g.risks.map((r) => r.id))].join(', ')}`);
    return `\n── ${title} (${visible(statusText(g))}: ${because})${names ? `\n  ${names}` : ''}\n  ${facts.join(' · ')}\n`;
  }
  const lines = [`── ${title} (${visible(statusText(g))}: ${because})`];
  if (names) lines.push(`  ${names}`);
  const v = validationLine(g);
  if (v) lines.push(v);
  if (g.fields.length)
    lines.push(
      '  fields:',
      ...bounded(
        g.fields.map((c) => `    ${visible(c.path)} ${visible(clip(arrow(c), 300))}  (${visible(fromText(c))})`),
        (n) => `    … and ${counted(n, 'more field')}`,
      ),
    );
  if (g.restarts.length) lines.push(`  restarts pods: ${g.restarts.map((r) => visible(restartText(r))).join('; ')}`);
  if (g.risks.length) lines.push(`  risks: ${[...new Set(g.risks.map((r) => r.id))].join(', ')}`);
  const o = g.objects;
  lines.push(`  ${visible(objectCounts(g))}${o && g.environments.length > 1 ? ` (as rendered for ${visible(g.environments[0]!)})` : ''}`);
  if (o && level <= 2) {
    const listed = [
      ...o.added.map((a) => `  + ${visible(a.id)}  (${visible(a.file)})`),
      ...o.removed.map((r) => `  - ${visible(r.id)}  (${visible(r.file)})`),
      ...o.changed.map((c) => `  ~ ${visible(c.id)}  (${visible(c.file)}${c.redacted ? ', secret values redacted' : ''}${level === 2 ? `, ${plural(c.size, 'line')} changed` : ''})${level === 1 ? `\n${indent(c.diff, '      ')}` : ''}`),
    ];
    lines.push(...bounded(listed, (n) => `  … and ${counted(n, 'more object')}`));
  }
  if (level <= 2 && g.prune?.deletes.length) lines.push(`  deleted when synced — ${visible(g.prune.why)}:`, ...bounded(g.prune.deletes.map((id) => `    ✖ ${visible(id)}`), (n) => `    … and ${n} more`));
  if (level <= 2 && g.prune?.orphans.length) lines.push(`  left running, no longer managed — ${visible(g.prune.why)}:`, ...bounded(g.prune.orphans.map((id) => `    ${visible(id)}`), (n) => `    … and ${n} more`));
  if (level <= 2 && g.validation?.diagnostics.length)
    lines.push(
      '  validation:',
      ...bounded(
        g.validation.diagnostics.map((d) => (level === 1 ? indent(formatDiagnostic(d), '    ') : `    ${visible(`${d.file}:${d.line}:${d.col}`)}  ${d.severity}  ${visible(clip(d.message, 300))}  [${d.rule}]`)),
        (n) => `    … and ${counted(n, 'more diagnostic')}`,
      ),
    );
  return `\n${lines.join('\n')}\n`;
}

function riskLine(r: PlanRisk): string {
  const envs = r.environments.length === 1 ? visible(clip(r.environments[0]!)) : `${count(r.environments.length)} environments (${sample(r.environments, visible)})`;
  return `  ${r.blocking ? '✖ blocking' : '⚠ review  '}  ${r.id}  ${envs}: ${visible(clip(r.reason, 400))}${r.source ? `  (${visible(where(r.source))})` : ''}`;
}

export const textWriter: Writer = {
  header: (plan) => `smartbot plan: base ${short(plan.base.sha)} (${visible(plan.base.ref)}) → head ${short(plan.head.sha)} (${visible(plan.head.ref)})\n${visible(headline(plan))}\n`,
  risks: (rows, more) => (rows.length ? `\nRisks\n${rows.map(riskLine).join('\n')}\n${more ? `  … and ${counted(more, 'more risk')} (--format json lists them all)\n` : ''}` : ''),
  group: (g, level) => group(g, level),
  moreGroups: (groups, environments) => `\n… and ${counted(groups, 'more group')} (${counted(environments, 'environment')}): --format json lists them all\n`,
  unchanged: (n) => (n ? `\nReached by a changed file, nothing differs: ${counted(n, 'environment')}\n` : ''),
  footer: (plan, note: LayoutNote | undefined) => `${note ? `\nShortened to fit --max-chars, group by group: ${noteText(note)}. The whole plan: --format json.\n` : ''}\n${verdict(plan)}\n`,
};

export function planText(plan: Plan, opts: { limit?: number } = {}): string {
  return layout(plan, textWriter, opts.limit);
}
