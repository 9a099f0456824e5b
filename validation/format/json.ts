// Machine output: one JSON document with per-environment status and the diagnostics (the same
// bounded selection as the other formats, with the count left out per file). Source lines are
// cut around the caret; characters JSON leaves raw that a terminal would act on are \u-escaped.
import type { Diagnostic } from '../diagnostics.js';
import type { ValidateReport } from '../validate.js';
import { cachedCount, counts, unvalidatedCount, MAX_SHOWN_FILES, shownDiagnostics, shownStale, staleCount, type RenderOutcome } from './format.js';
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

/** At most MAX_SHOWN_FILES paths, like the text form; the counts are whole. */
export function renderJson(o: RenderOutcome): string {
  let doc: object;
  if (o.mode === 'check') {
    const { shown, more } = shownStale(o);
    const of = (kind: string) => shown.filter(([k]) => k === kind).map(([, p]) => p);
    doc = { upToDate: staleCount(o) === 0, stale: staleCount(o), changed: of('changed'), missing: of('missing'), extra: of('extra'), notListed: more, fromCache: cachedCount(o), notValidatedAgain: unvalidatedCount(o) };
  } else {
    const written = o.environments.filter((e) => e.status === 'written');
    doc = { environments: o.environments.length, written: written.slice(0, MAX_SHOWN_FILES), notListed: Math.max(0, written.length - MAX_SHOWN_FILES), removed: o.removed, fromCache: cachedCount(o), notValidatedAgain: unvalidatedCount(o) };
  }
  return `${safeJson(doc)}\n`;
}
