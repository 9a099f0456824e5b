// Doctor's report: text for people (grouped by section, each problem with why and fix) or one
// JSON document. What hosts and files said (process names, error messages) is masked by the one
// secret rule and escaped, in both.
import { maskSecrets } from '../../contract/secrets.js';
import { safeJson, visible } from '../../validation/format/safe-text.js';
import { SECTIONS, type Finding, type Status } from './check.js';

export interface DoctorReport {
  environment: string;
  file: string;
  findings: Finding[];
}

const MARK: Record<Status, string> = { ok: '✔', warn: '!', problem: '✖', skip: '–' };

/** Every finding's text with secrets masked (a port holder's `--api-key …`, a URL's password). */
const masked = (f: Finding): Finding => ({ ...f, summary: maskSecrets(f.summary), ...(f.why ? { why: maskSecrets(f.why) } : {}), ...(f.fix ? { fix: maskSecrets(f.fix) } : {}) });

export const countOf = (r: DoctorReport, status: Status) => r.findings.filter((f) => f.status === status).length;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function doctorText(r: DoctorReport): string {
  const lines = [`smartbot doctor — environment ${r.environment} (${r.file})`];
  for (const section of SECTIONS) {
    const here = r.findings.filter((f) => f.section === section).map(masked);
    if (!here.length) continue;
    lines.push('', section);
    for (const f of here) {
      lines.push(`  ${MARK[f.status]} ${visible(f.summary)}`);
      if (f.why) lines.push(`      why: ${visible(f.why)}`);
      if (f.fix) lines.push(`      fix: ${visible(f.fix)}`);
    }
  }
  const problems = countOf(r, 'problem');
  const warnings = countOf(r, 'warn');
  const skipped = countOf(r, 'skip');
  const passed = countOf(r, 'ok');
  lines.push(
    '',
    problems
      ? `✖ ${plural(problems, 'problem')}${warnings ? `, ${plural(warnings, 'warning')}` : ''} (${passed} passed, ${skipped} skipped): fix them from the top, later ones can follow from earlier ones`
      : `✔ all good: ${passed} passed${warnings ? `, ${plural(warnings, 'warning')}` : ''}, ${skipped} skipped`,
  );
  return `${lines.join('\n')}\n`;
}

export function doctorJson(r: DoctorReport): string {
  const problems = countOf(r, 'problem');
  return `${safeJson({ environment: r.environment, file: r.file, ok: problems === 0, problems, warnings: countOf(r, 'warn'), findings: r.findings.map(masked) })}\n`;
}
