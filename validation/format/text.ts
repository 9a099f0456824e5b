// Human output: file:line:col  severity  message  [rule], the source line with a caret, the fix.
// What files wrote is shown escaped, and the source line only around the caret (safe-text.ts).
import type { Diagnostic } from '../diagnostics.js';
import type { ValidateReport } from '../validate.js';
import { cachedNote, counts, MAX_SHOWN_FILES, omittedLine, plural, renderedSummary, shownDiagnostics, shownStale, staleCount, type RenderOutcome } from './format.js';
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
  if (o.mode === 'write') {
    const lines = [
      ...o.environments.map((s) => `${s.status === 'written' ? 'rendered' : 'unchanged'} ${visible(o.outDir)}/${visible(s.env)}/ (${s.files} files)`),
      ...o.removed.map((d) => `removed ${visible(o.outDir)}/${visible(d)}/ (no environments/${visible(d)}.yaml)`),
    ];
    if (lines.length <= MAX_SHOWN_FILES) return lines.map((l) => `${l}\n`).join('');
    const written = o.environments.filter((s) => s.status === 'written').length;
    const total = `${o.environments.length.toLocaleString('en-US')} environments: ${written.toLocaleString('en-US')} rendered, ${(o.environments.length - written).toLocaleString('en-US')} unchanged${o.removed.length ? `, ${o.removed.length.toLocaleString('en-US')} removed` : ''}${cachedNote(o)}`;
    return `${lines.slice(0, MAX_SHOWN_FILES).join('\n')}\n… and ${(lines.length - MAX_SHOWN_FILES).toLocaleString('en-US')} more\n${total}\n`;
  }
  const stale = staleCount(o);
  if (stale === 0) return `✔ ${visible(o.outDir)}/ is up to date (${visible(renderedSummary(o))}${cachedNote(o)})\n`;
  const { shown, more } = shownStale(o);
  const lines = shown.map(([kind, p]) => `  ${kind.padEnd(7)}  ${visible(p)}`);
  if (more) lines.push(`  … and ${more.toLocaleString('en-US')} more`);
  return `✖ ${visible(o.outDir)}/ is stale — ${stale.toLocaleString('en-US')} file${stale === 1 ? '' : 's'}:\n${lines.join('\n')}\nRun \`npx smartbot render\` and commit the result.\n`;
}
