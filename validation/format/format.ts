// A formatter turns a report into the text a reader wants: people (text), machines (json) or
// GitHub's annotation parser (github). All take the same inputs; pick with --format.
import type { ValidateReport } from '../validate.js';

/** What `smartbot render` did: wrote (or left) trees, or checked them for drift. */
export interface RenderOutcome {
  outDir: string;
  mode: 'write' | 'check';
  environments: { env: string; files: number; status?: 'written' | 'unchanged' }[];
  /** check: files that differ from what render produces. */
  drift: { changed: string[]; missing: string[]; extra: string[] };
  /** write: trees of environments that no longer exist, removed. */
  removed: string[];
}

export const staleCount = (o: RenderOutcome) => o.drift.changed.length + o.drift.missing.length + o.drift.extra.length;

export interface Formatter {
  validate(report: ValidateReport): string;
  render(outcome: RenderOutcome): string;
}

export function counts(report: ValidateReport) {
  const errors = report.diagnostics.filter((d) => d.severity === 'error').length;
  return { errors, warnings: report.diagnostics.length - errors, invalid: report.environments.filter((e) => e.diagnostics.some((d) => d.severity === 'error')).length };
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
