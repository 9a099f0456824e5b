// Machine output: one JSON document with per-environment status and every diagnostic.
import type { ValidateReport } from '../validate.js';
import { counts, staleCount, type RenderOutcome } from './format.js';

export const formatJson = (report: ValidateReport): string => {
  const { errors, warnings } = counts(report);
  return (
    JSON.stringify(
      {
        valid: errors === 0,
        errors,
        warnings,
        environments: report.environments.map((e) => ({
          name: e.name,
          file: e.file,
          valid: !e.diagnostics.some((d) => d.severity === 'error'),
          errors: e.diagnostics.filter((d) => d.severity === 'error').length,
          warnings: e.diagnostics.filter((d) => d.severity === 'warning').length,
        })),
        diagnostics: report.diagnostics,
      },
      null,
      2,
    ) + '\n'
  );
};

export function renderJson(o: RenderOutcome): string {
  const doc = o.mode === 'check' ? { upToDate: staleCount(o) === 0, ...o.drift } : { written: o.environments, removed: o.removed };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
