// A diagnostic is one reported problem, located in a file. Built only through `report`, which
// takes its text from the catalogue in errors.ts.
import { RULES, type RuleId, type RuleParams, type Severity } from './rules.js';

/** 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

export interface Location extends Position {
  file: string;
}

export interface Diagnostic extends Location {
  rule: RuleId;
  severity: Severity;
  message: string;
  fix: string;
  /** The source line the position points into, for the caret display. */
  source?: string;
}

/**
 * The text of each file being validated, for the source line under a caret. A file registers
 * its text when it is read (and again before each environment that layers over it, since the
 * two sides of a plan hold different texts under one name); it is split into lines only when a
 * diagnostic needs one, and an environment's own file is released once it is checked.
 */
const sources = new Map<string, { text: string; lines?: string[] }>();
export function registerSource(file: string, text: string): void {
  if (sources.get(file)?.text !== text) sources.set(file, { text });
}
export function releaseSource(file: string): void {
  sources.delete(file);
}
function sourceLine(file: string, line: number): string | undefined {
  const s = sources.get(file);
  if (!s) return undefined;
  s.lines ??= s.text.split(/\r?\n/);
  return s.lines[line - 1];
}

/** Longest text a parameter brings into a message: a key can be as long as a file line. */
export const MAX_PARAM_CHARS = 300;
const bounded = (params: object): object =>
  Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' && v.length > MAX_PARAM_CHARS ? `${v.slice(0, MAX_PARAM_CHARS - 1)}…` : v]));

export function report<R extends RuleId>(rule: R, params: RuleParams<R>, at: Location): Diagnostic {
  // Each catalogue entry's functions take that entry's params; TS cannot correlate the union here.
  const def = RULES[rule] as unknown as { severity: Severity; message: (p: unknown) => string; fix: (p: unknown) => string };
  params = bounded(params) as RuleParams<R>;
  const line = sourceLine(at.file, at.line);
  return {
    file: at.file,
    line: at.line,
    col: at.col,
    rule,
    severity: def.severity,
    message: def.message(params),
    fix: def.fix(params),
    ...(line === undefined ? {} : { source: line }),
  };
}

export const hasErrors = (ds: readonly Diagnostic[]) => ds.some((d) => d.severity === 'error');

/** Stable order: file, line, column, rule. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.rule.localeCompare(b.rule));
}
