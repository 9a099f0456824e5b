// GitHub Actions workflow commands: each diagnostic becomes an annotation on the PR diff.
// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
import type { ValidateReport } from '../validate.js';
import type { RenderOutcome } from './format.js';
import { renderText, summaryLine } from './text.js';

const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export const formatGithub = (report: ValidateReport): string => {
  const lines = report.diagnostics.map((d) => {
    const props = `file=${escapeProperty(d.file)},line=${d.line},col=${d.col},title=${escapeProperty(`smartbot ${d.rule}`)}`;
    return `::${d.severity} ${props}::${escapeData(`${d.message}\nfix: ${d.fix}`)}`;
  });
  // The summary goes to the log as plain text.
  return [...lines, summaryLine(report)].join('\n') + '\n';
};

/** The drift gate on a pull request: each stale file annotated, then the plain summary. */
export function renderGithub(o: RenderOutcome): string {
  const stale = [...o.drift.changed.map((f) => [f, 'differs from what `npx smartbot render` produces']), ...o.drift.missing.map((f) => [f, 'is missing: `npx smartbot render` would write it']), ...o.drift.extra.map((f) => [f, 'is not produced by any environment: `npx smartbot render` would remove it'])];
  return stale.map(([f, why]) => `::error file=${escapeProperty(f!)},title=${escapeProperty('smartbot render --check')}::${escapeData(`${f} ${why}`)}\n`).join('') + renderText(o);
}
