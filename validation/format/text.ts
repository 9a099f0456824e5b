// Human output: file:line:col  severity  message  [rule], the source line with a caret, the fix.
import type { Diagnostic } from '../diagnostics.js';
import type { ValidateReport } from '../validate.js';
import { counts, plural, staleCount, type RenderOutcome } from './format.js';

export function formatDiagnostic(d: Diagnostic): string {
  const lines = [`${d.file}:${d.line}:${d.col}  ${d.severity}  ${d.message}  [${d.rule}]`];
  if (d.source !== undefined) {
    const gutter = String(d.line).length;
    // Tabs in the source would shift the caret; render them as single spaces.
    lines.push(`  ${String(d.line)} | ${d.source.replace(/\t/g, ' ')}`);
    lines.push(`  ${' '.repeat(gutter)} | ${' '.repeat(Math.max(0, d.col - 1))}^`);
  }
  lines.push(`  fix: ${d.fix}`);
  return lines.join('\n');
}

export function summaryLine(report: ValidateReport): string {
  const { errors, warnings, invalid } = counts(report);
  const total = report.environments.length;
  return errors === 0
    ? `✔ ${plural(total, 'environment')} valid${warnings ? ` (${plural(warnings, 'warning')})` : ''}`
    : `✖ ${plural(errors, 'error')}, ${plural(warnings, 'warning')}: ${invalid} of ${plural(total, 'environment')} invalid`;
}

export const formatText = (report: ValidateReport): string => [...report.diagnostics.map(formatDiagnostic), summaryLine(report)].join('\n\n') + '\n';

export function renderText(o: RenderOutcome): string {
  if (o.mode === 'write')
    return [
      ...o.environments.map((s) => `${s.status === 'written' ? 'rendered' : 'unchanged'} ${o.outDir}/${s.env}/ (${s.files} files)`),
      ...o.removed.map((d) => `removed ${o.outDir}/${d}/ (no environments/${d}.yaml)`),
    ].map((l) => `${l}\n`).join('');
  const stale = staleCount(o);
  if (stale === 0) return `✔ ${o.outDir}/ is up to date (${o.environments.map((s) => `${s.env}: ${s.files} files`).join(', ')})\n`;
  const lines = [...o.drift.changed.map((p) => `  changed  ${p}`), ...o.drift.missing.map((p) => `  missing  ${p}`), ...o.drift.extra.map((p) => `  extra    ${p}`)];
  return `✖ ${o.outDir}/ is stale — ${plural(stale, 'file')}:\n${lines.join('\n')}\nRun \`npx smartbot render\` and commit the result.\n`;
}
