// The one table shape every section of bench/service returns, and its Markdown printer.
export interface Table {
  title: string;
  /** One line under the title: what was measured, how, and how long. */
  note?: string;
  columns: string[];
  rows: (string | number)[][];
  /** Target checks shown under the table: "met" / "NOT met" with the measured figure. */
  targets?: { target: string; measured: string; met: boolean }[];
  /** One line under it all (a before/after with --compare). */
  after?: string;
}

export interface SectionOptions {
  /** Seconds per measurement (autocannon duration, decode window). */
  seconds: number;
  /** Repetitions; a row shows the median. */
  runs: number;
  /** Print progress lines to stderr. */
  progress: (line: string) => void;
  /** Another build's dist/ (e.g. of an earlier commit): the tokens and gateway sections measure its service too, interleaved, for a before/after. */
  compare?: string;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function printTable(t: Table): string {
  const lines = [`### ${t.title}`, ''];
  if (t.note) lines.push(t.note, '');
  lines.push(`| ${t.columns.join(' | ')} |`, `|${t.columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const r of t.rows) lines.push(`| ${r.join(' | ')} |`);
  if (t.targets?.length) {
    lines.push('', '| target | measured | |', '|---|---|---|');
    for (const g of t.targets) lines.push(`| ${g.target} | ${g.measured} | ${g.met ? 'met' : '**NOT met**'} |`);
  }
  if (t.after) lines.push('', t.after);
  return lines.join('\n') + '\n';
}
