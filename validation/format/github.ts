// GitHub Actions workflow commands: each diagnostic becomes an annotation on the PR diff.
// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
// Annotations on a fork's pull request are public: they carry the message and fix, never the
// source line, and what files wrote is escaped first, so it cannot end the command early or
// start a forged one.
import type { ValidateReport } from '../validate.js';
import { omittedLine, shownDiagnostics, shownStale, type RenderOutcome, type StaleKind } from './format.js';
import { visible } from './safe-text.js';
import { renderText, summaryLine } from './text.js';

const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export const formatGithub = (report: ValidateReport): string => {
  const { shown, omitted } = shownDiagnostics(report);
  const lines = shown.map((d) => {
    const props = `file=${escapeProperty(visible(d.file))},line=${d.line},col=${d.col},title=${escapeProperty(`smartbot ${d.rule}`)}`;
    // The one newline is ours: between the message and the fix.
    return `::${d.severity} ${props}::${escapeData(`${visible(d.message)}\nfix: ${visible(d.fix)}`)}`;
  });
  // The count of what was left out, and the summary, go to the log as plain text.
  return [...lines, ...omitted.map((o) => omittedLine(o, visible(o.file))), summaryLine(report)].join('\n') + '\n';
};

/** The drift gate on a pull request: each stale file annotated, then the plain summary. */
export function renderGithub(o: RenderOutcome): string {
  const why: Record<StaleKind, string> = { changed: 'differs from what `npx smartbot render` produces', missing: 'is missing: `npx smartbot render` would write it', extra: 'is not produced by any environment: `npx smartbot render` would remove it' };
  // As many annotations as files the text lists (GitHub shows the first few of a step anyway).
  return shownStale(o).shown.map(([kind, f]) => `::error file=${escapeProperty(f)},title=${escapeProperty('smartbot render --check')}::${escapeData(`${f} ${why[kind]}`)}\n`).join('') + renderText(o);
}
