// A formatter turns a validate report into the text a reader wants: people (text), machines
// (json) or GitHub's annotation parser (github). All take the same input; pick with --format.
import type { ValidateReport } from '../validate.js';

export type Formatter = (report: ValidateReport) => string;

export function counts(report: ValidateReport) {
  const errors = report.diagnostics.filter((d) => d.severity === 'error').length;
  return { errors, warnings: report.diagnostics.length - errors, invalid: report.environments.filter((e) => e.diagnostics.some((d) => d.severity === 'error')).length };
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
