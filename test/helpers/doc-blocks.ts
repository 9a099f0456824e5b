// The command blocks of README.md and docs/*.md, as test/docs.test.ts runs them. Every shell
// block carries a marker on the line above it, an HTML comment GitHub does not show:
//
//   <!-- doc-test: run -->                  run it (exit 0 expected)
//   <!-- doc-test: run exit=1 timeout=60 --> expected exit code; seconds it may take (default 120)
//   <!-- doc-test: run exit=0|1 -->         either code: for a verdict the machine's speed decides
//                                           (smoke's p99 on a loaded machine); the page says so
//   <!-- doc-test: skip (why) -->           not run, and why (a cluster, GitHub, a long benchmark)
//
// and an output block may follow a run block, marked
//
//   <!-- doc-test: output -->               every line of it must appear in what the run printed,
//                                           in order; numbers and times may differ, and `…` stands
//                                           for any text
//   <!-- doc-test: output lines=✔ -->       only its lines that start with `✔` are checked
//
// A shell block without a marker is a defect (the test says where): a doc must say whether
// its commands are proven.

export const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'console']);

export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
  marker?: Marker;
}

export type Marker =
  | { kind: 'run'; exit: number[]; timeoutS: number }
  | { kind: 'skip'; why: string }
  | { kind: 'output'; linesStartingWith?: string }
  | { kind: 'invalid'; problem: string };

const MARKER = /^<!--\s*doc-test:\s*(.*?)\s*-->$/;

export function parseMarker(body: string): Marker {
  const skip = /^skip\s*\((.+)\)$/.exec(body);
  if (skip) return { kind: 'skip', why: skip[1]!.trim() };
  if (/^skip\b/.test(body)) return { kind: 'invalid', problem: 'a skip names why in parentheses: <!-- doc-test: skip (needs a cluster) -->' };
  const [word, ...opts] = body.split(/\s+/);
  const fields = new Map(opts.map((o) => o.split('=') as [string, string]));
  if (word === 'run') {
    for (const k of fields.keys()) if (k !== 'exit' && k !== 'timeout') return { kind: 'invalid', problem: `run takes exit= and timeout=, not ${k}` };
    const exit = (fields.get('exit') ?? '0').split('|');
    if (!exit.every((c) => /^\d+$/.test(c))) return { kind: 'invalid', problem: `exit= takes exit codes, as 1 or 0|1, not ${fields.get('exit')}` };
    return { kind: 'run', exit: exit.map(Number), timeoutS: Number(fields.get('timeout') ?? 120) };
  }
  if (word === 'output') {
    for (const k of fields.keys()) if (k !== 'lines') return { kind: 'invalid', problem: `output takes lines=, not ${k}` };
    const prefix = fields.get('lines');
    return prefix === undefined ? { kind: 'output' } : { kind: 'output', linesStartingWith: prefix };
  }
  return { kind: 'invalid', problem: `"${body}" is not run, skip (why) or output` };
}

/** The fenced blocks of a markdown file, each with the marker on the line above its fence. */
export function docBlocks(file: string, markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    let end = i + 1;
    while (end < lines.length && !(lines[end]!.startsWith(fence) && lines[end]!.trim() === fence)) end++;
    const marker = i > 0 ? MARKER.exec(lines[i - 1]!.trim()) : null;
    out.push({ file, line: i + 1, lang: open[2]!, text: lines.slice(i + 1, end).join('\n'), ...(marker ? { marker: parseMarker(marker[1]!) } : {}) });
    i = end;
  }
  return out;
}

const NUMBER = /\d+(?:[.,]\d+)*/g;

/** A quoted output line as a pattern: white space runs fold, numbers match any number, `…` any text. */
export function linePattern(quoted: string): RegExp {
  const parts = quoted.trim().split('…').map((piece) =>
    piece
      .split(NUMBER)
      .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+'))
      .join('\\d+(?:[.,]\\d+)*'),
  );
  return new RegExp(parts.join('.*'));
}

/**
 * The quoted lines that do not appear in `printed`, in order: each must match a line after the
 * one the previous quoted line matched.
 */
export function missingLines(quoted: string, printed: string, linesStartingWith?: string): string[] {
  const want = quoted.split('\n').filter((l) => l.trim() !== '' && (linesStartingWith === undefined || l.trimStart().startsWith(linesStartingWith)));
  const got = printed.split('\n');
  const missing: string[] = [];
  let at = 0;
  for (const w of want) {
    const p = linePattern(w);
    const found = got.findIndex((g, i) => i >= at && p.test(g));
    if (found < 0) missing.push(w);
    else at = found + 1;
  }
  return missing;
}
