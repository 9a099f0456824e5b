// The plan for a terminal: summary, grouped model changes, risks, then each environment's
// objects (with diffs), prune list and head validation.
import { plural } from '../../validation/format/format.js';
import { formatDiagnostic } from '../../validation/format/text.js';
import type { EnvironmentPlan, Plan } from '../plan.js';
import { arrow, fromText, groupFields, headline, short, statusText, verdict, where } from './shared.js';

const indent = (text: string, by: string) =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => by + l)
    .join('\n');

function environmentText(e: EnvironmentPlan): string {
  const lines = [`── ${e.name} (${statusText(e)}: ${e.because.join('; ')})`];
  const v = e.validation;
  if (v) lines.push(`  head: ${v.valid ? 'valid' : `INVALID (${plural(v.errors, 'error')})`}${v.warnings ? `, ${plural(v.warnings, 'warning')}` : ''}`);
  if (e.objectsNote) lines.push(`  objects: not compared — ${e.objectsNote}`);
  if (e.objects) {
    const o = e.objects;
    lines.push(`  objects: ${o.added.length} added, ${o.removed.length} removed, ${o.changed.length} changed, ${o.unchanged} unchanged`);
    for (const a of o.added) lines.push(`  + ${a.id}  (${a.file})`);
    for (const r of o.removed) lines.push(`  - ${r.id}  (${r.file})`);
    for (const c of o.changed) lines.push(`  ~ ${c.id}  (${c.file}${c.redacted ? ', secret values redacted' : ''})`, indent(c.diff, '      '));
  }
  if (e.prune?.deletes.length) lines.push(`  deleted when synced — ${e.prune.why}:`, ...e.prune.deletes.map((id) => `    ✖ ${id}`));
  if (e.prune?.orphans.length) lines.push(`  left running, no longer managed — ${e.prune.why}:`, ...e.prune.orphans.map((id) => `    ${id}`));
  if (v?.diagnostics.length) lines.push('  validation:', ...v.diagnostics.map((d) => indent(formatDiagnostic(d), '    ')));
  return lines.join('\n');
}

export function planText(plan: Plan): string {
  const out = [`smartbot plan: base ${short(plan.base.sha)} (${plan.base.ref}) → head ${short(plan.head.sha)} (${plan.head.ref})`, headline(plan)];
  const groups = groupFields(plan);
  if (groups.length) out.push('', 'Model changes', ...groups.map((g) => `  ${g.environments.join(', ')}: ${g.change.path} ${arrow(g.change)}  (${fromText(g.change)})`));
  if (plan.risks.length)
    out.push(
      '',
      'Risks',
      ...plan.risks.map((r) => `  ${r.blocking ? '✖ blocking' : '⚠ review  '}  ${r.id}  ${r.environments.join(', ')}: ${r.reason}${r.source ? `  (${where(r.source)})` : ''}`),
    );
  for (const e of plan.environments) out.push('', environmentText(e));
  if (plan.unchanged.length) out.push('', `Reached by a changed file, nothing differs: ${plan.unchanged.join(', ')}`);
  out.push('', verdict(plan));
  return out.join('\n') + '\n';
}
