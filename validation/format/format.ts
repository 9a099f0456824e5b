// A formatter turns a report into the text a reader wants: people (text), machines (json) or
// GitHub's annotation parser (github). All take the same inputs; pick with --format. All print
// the same bounded selection of diagnostics (`shownDiagnostics`) and escape what files wrote
// (safe-text.ts), so a hostile file can neither flood nor forge the output.
import type { Diagnostic } from '../diagnostics.js';
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

/** Output bounds: a file with 50,000 unknown keys prints 50 of them and a count of the rest. */
export const MAX_SHOWN_PER_FILE = 50;
export const MAX_SHOWN_PER_RUN = 500;

export interface ShownDiagnostics {
  /** In report order; errors are kept before warnings when a file has too many. */
  shown: Diagnostic[];
  /** Per file, how many were left out (files in report order). */
  omitted: { file: string; count: number }[];
}

export function shownDiagnostics(report: ValidateReport): ShownDiagnostics {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of report.diagnostics) {
    let list = byFile.get(d.file);
    if (!list) byFile.set(d.file, (list = []));
    list.push(d);
  }
  const shown: Diagnostic[] = [];
  const omitted: { file: string; count: number }[] = [];
  for (const [file, list] of byFile) {
    const room = Math.max(0, Math.min(MAX_SHOWN_PER_FILE, MAX_SHOWN_PER_RUN - shown.length));
    let keep = list;
    if (list.length > room) {
      const chosen = new Set([...list.filter((d) => d.severity === 'error'), ...list.filter((d) => d.severity !== 'error')].slice(0, room));
      keep = list.filter((d) => chosen.has(d));
      omitted.push({ file, count: list.length - keep.length });
    }
    shown.push(...keep);
  }
  return { shown, omitted };
}

export const omittedLine = (o: { file: string; count: number }, file = o.file) =>
  `… ${plural(o.count, 'more diagnostic')} in ${file} not shown (at most ${MAX_SHOWN_PER_FILE} per file and ${MAX_SHOWN_PER_RUN} per run)`;
