// Human output: file:line:col  severity  message  [rule], the source line with a caret, the fix.
// What files wrote is shown escaped, and the source line only around the caret (safe-text.ts).
import type { Diagnostic } from '../diagnostics.js';
import type { ValidateReport } from '../validate.js';
import { counts, omittedLine, plural, shownDiagnostics, staleCount, type RenderOutcome } from './format.js';
import { excerpt, visible } from './safe-text.js';

export function formatDiagnostic(d: Diagnostic): string {
  const lines = [`${visible(d.file)}:${d.line}:${d.col}  ${d.severity}  ${visible(d.message)}  [${d.rule}]`];
  if (d.source !== undefined) {
    const gutter = String(d.line).length;
    const shown = excerpt(d.source, d.col);
    lines.push(`  ${String(d.line)} | ${shown.text}`);
    lines.push(`  ${' '.repeat(gutter)} | ${' '.repeat(shown.caret - 1)}^`);
  }
  lines.push(`  fix: ${visible(d.fix)}`);
  return lines.join('\n');
}

export function summaryLine(report: ValidateReport): string {
  const { errors, warnings, invalid } = counts(report);
  const total = report.environments.length;
  return errors === 0
    ? `✔ ${plural(total, 'environment')} valid${warnings ? ` (${plural(warnings, 'warning')})` : ''}`
    : `✖ ${plural(errors, 'error')}, ${plural(warnings, 'warning')}: ${invalid} of ${plural(total, 'environment')} invalid`;
}

export function formatText(report: ValidateReport): string {
  const { shown, omitted } = shownDiagnostics(report);
  const rest = omitted.map((o) => omittedLine(o, visible(o.file)));
  return [...shown.map(formatDiagnostic), ...(rest.length ? [rest.join('\n')] : []), summaryLine(report)].join('\n\n') + '\n';
}

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
