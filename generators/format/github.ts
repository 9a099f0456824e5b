// GitHub Actions workflow commands: each diagnostic becomes an annotation on the PR diff.
// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
import { summaryLine } from './text.js';
import type { Formatter } from './format.js';

const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export const formatGithub: Formatter = (report) => {
  const lines = report.diagnostics.map((d) => {
    const props = `file=${escapeProperty(d.file)},line=${d.line},col=${d.col},title=${escapeProperty(`smartbot ${d.rule}`)}`;
    return `::${d.severity} ${props}::${escapeData(`${d.message}\nfix: ${d.fix}`)}`;
  });
  // The summary goes to the log as plain text.
  return [...lines, summaryLine(report)].join('\n') + '\n';
};
