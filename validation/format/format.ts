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
  /** cached: the render cache knew the tree unchanged, so it was neither rendered nor read; 'inputs': nor validated, everything its validation read as recorded. */
  environments: { env: string; files: number; status?: 'written' | 'unchanged'; cached?: true | 'inputs' }[];
  /** check: files that differ from what render produces. */
  drift: { changed: string[]; missing: string[]; extra: string[] };
  /** write: trees of environments that no longer exist, removed. */
  removed: string[];
}

export const staleCount = (o: RenderOutcome) => o.drift.changed.length + o.drift.missing.length + o.drift.extra.length;

/** Stale files listed by `render --check` (and environments by `render`) before "and N more": a fleet's output stays a few KB. */
export const MAX_SHOWN_FILES = 50;

export type StaleKind = 'changed' | 'missing' | 'extra';

/** The first MAX_SHOWN_FILES stale files (changed, then missing, then extra), and how many more there are. */
export function shownStale(o: RenderOutcome): { shown: [StaleKind, string][]; more: number } {
  const all: [StaleKind, string[]][] = [
    ['changed', o.drift.changed],
    ['missing', o.drift.missing],
    ['extra', o.drift.extra],
  ];
  const shown: [StaleKind, string][] = [];
  for (const [kind, paths] of all) for (const p of paths.slice(0, MAX_SHOWN_FILES - shown.length)) shown.push([kind, p]);
  return { shown, more: staleCount(o) - shown.length };
}

/** "dev: 15 files, prod: 25 files" for a few environments; a count for a fleet. */
export function renderedSummary(o: RenderOutcome): string {
  const files = o.environments.reduce((n, e) => n + e.files, 0);
  if (o.environments.length <= 10) return o.environments.map((s) => `${s.env}: ${s.files} files`).join(', ');
  return `${o.environments.length.toLocaleString('en-US')} environments, ${files.toLocaleString('en-US')} files`;
}

/** Environments the render cache knew unchanged (neither rendered nor read). */
export const cachedCount = (o: RenderOutcome) => o.environments.filter((e) => e.cached).length;

/** Of those, the environments not validated again: everything their validation read was as the cache recorded. */
export const unvalidatedCount = (o: RenderOutcome) => o.environments.filter((e) => e.cached === 'inputs').length;

/** "; 9,990 known unchanged from the render cache …" when the cache spared any tree, else "". */
export function cachedNote(o: RenderOutcome): string {
  const n = cachedCount(o);
  const v = unvalidatedCount(o);
  const skipped = v ? ` (${v.toLocaleString('en-US')} with every input as recorded: not validated again)` : '';
  return n ? `; ${n.toLocaleString('en-US')} known unchanged from the render cache${skipped}: --no-cache validates and reads everything` : '';
}

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
