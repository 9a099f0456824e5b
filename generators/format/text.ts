// Human output: file:line:col  severity  message  [rule], the source line with a caret, the fix.
import type { Diagnostic } from '../diagnostics.js';
import type { ValidateReport } from '../validate.js';
import { counts, plural, type Formatter } from './format.js';

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

export const formatText: Formatter = (report) => [...report.diagnostics.map(formatDiagnostic), summaryLine(report)].join('\n\n') + '\n';
