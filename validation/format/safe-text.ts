// Text from the files under validation reaches terminals, CI logs and pull-request annotations.
// A key may hold an escape sequence that clears the screen, a carriage return that overwrites
// the line with a forged "✔ valid", or a 1 MiB line. Every formatter prints such text through
// `visible` (control and invisible characters become escapes) and source lines through
// `excerpt` (at most EXCERPT_COLUMNS columns around the caret).

/**
 * Beyond the C0 controls: DEL, C1 controls, line and paragraph separators, bidirectional
 * overrides (they reorder what a reader sees), zero-width characters and the BOM. JSON.stringify
 * escapes C0 itself and leaves these raw.
 */
export const UNSAFE_BEYOND_C0 = /[\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;
/** Every character `visible` escapes: the C0 controls and UNSAFE_BEYOND_C0. */
export const UNSAFE_CHARS = new RegExp(`[\\x00-\\x1f${UNSAFE_BEYOND_C0.source.slice(1, -1)}]`, 'g');

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One unsafe character as an escape a reader can see: \n, \x1b, \u{202e}. */
export function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`);
}

export const visible = (s: string): string => s.replace(UNSAFE_CHARS, escapeChar);

/** JSON.stringify, pretty, with the characters it leaves raw escaped as \uXXXX too: the same value for machines, nothing a terminal acts on. */
export const safeJson = (value: unknown): string => JSON.stringify(value, null, 2).replace(UNSAFE_BEYOND_C0, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Columns of source shown around the caret. */
export const EXCERPT_COLUMNS = 200;

export interface Excerpt {
  /** The shown part of the line; `…` marks a cut at either end. */
  text: string;
  /** 1-based column of the caret within `text`. */
  caret: number;
}

/**
 * At most `width` columns of `line` around 1-based `col`, each character shown by `show`
 * (an escape is as wide as it prints). Tabs show as one space so the caret stays aligned.
 */
export function excerpt(line: string, col: number, show: (c: string) => string = (c) => visible(c), width = EXCERPT_COLUMNS): Excerpt {
  const at = Math.min(Math.max(col - 1, 0), line.length);
  // Never more than `width` characters either side are looked at, however long the line.
  const from = Math.max(0, at - width);
  const to = Math.min(line.length, at + width);
  const piece = (i: number) => (line[i] === '\t' ? ' ' : show(line[i]!));
  let left = at;
  let right = at;
  let used = 0;
  // Grow right then left, one character at a time, while the budget lasts.
  for (let grew = true; grew; ) {
    grew = false;
    if (right < to && used + piece(right).length <= width) used += piece(right++).length, (grew = true);
    if (left > from && used + piece(left - 1).length <= width) used += piece(--left).length, (grew = true);
  }
  let before = '';
  for (let i = left; i < at; i++) before += piece(i);
  let after = '';
  for (let i = at; i < right; i++) after += piece(i);
  const head = left > 0 ? '…' : '';
  const tail = right < line.length ? '…' : '';
  return { text: `${head}${before}${after}${tail}`, caret: head.length + before.length + 1 };
}
