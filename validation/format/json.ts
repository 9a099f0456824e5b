// Machine output: one JSON document with per-environment status and the diagnostics (the same
// bounded selection as the other formats, with the count left out per file). Source lines are
// cut around the caret; characters JSON leaves raw that a terminal would act on are \u-escaped.
import type { Diagnostic } from '../diagnostics.js';
import type { ValidateReport } from '../validate.js';
import { counts, shownDiagnostics, staleCount, type RenderOutcome } from './format.js';
import { excerpt, safeJson } from './safe-text.js';

/** `source` becomes the excerpt around the caret, and `sourceCol` the caret's column in it. */
function withExcerpt(d: Diagnostic) {
  if (d.source === undefined) return d;
  const cut = excerpt(d.source, d.col, (c) => c);
  return { ...d, source: cut.text, sourceCol: cut.caret };
}

export const formatJson = (report: ValidateReport): string => {
  const { errors, warnings } = counts(report);
  const { shown, omitted } = shownDiagnostics(report);
  return (
    safeJson(
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
        diagnostics: shown.map(withExcerpt),
        omitted,
      },
    ) + '\n'
  );
};

export function renderJson(o: RenderOutcome): string {
  const doc = o.mode === 'check' ? { upToDate: staleCount(o) === 0, ...o.drift } : { written: o.environments, removed: o.removed };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
