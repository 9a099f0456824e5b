// Pull-request text in a GitHub comment. Everything a plan shows comes from the pull request
// (file names, keys, values, messages that quote them), and a bot comment renders what it is
// given: an image is a beacon that loads when the comment is read, an @mention notifies, HTML
// and links render, a backtick closes a code span, a carriage return ends a table row. So:
// - prose (`mdText`) shows every markdown or HTML character as a numeric character reference,
//   which GitHub renders as the character and never as markup (in markdown and inside HTML
//   blocks alike), and puts a zero-width space after `@`, inside `://` and `www.`, so no
//   mention, autolink or email link forms;
// - values (`mdCode`) sit in a code span whose backtick run is longer than any inside them;
// - control characters (CR included) show as escapes, as in every terminal formatter.
import { visible } from '../../validation/format/safe-text.js';

const ZWSP = '&#8203;';
/**
 * Characters that start markup in an inline GitHub markdown context or in HTML: entities and
 * tags, code, emphasis, strikethrough, links and images (no `[` or `!`, so `(` is plain), a
 * heading, a table cell's end, a backslash escape.
 */
const MARKUP = /[&<>`*_[\]!#|\\~]/g;

/** Text as prose: in a paragraph, a table cell or an HTML element. */
export function mdText(s: string): string {
  return visible(s)
    .replace(MARKUP, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/@/g, `@${ZWSP}`)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/(www)\./gi, `$1${ZWSP}.`)
    .replace(/\n/g, ' ');
}

/**
 * A value as inline code: one line (control characters escaped), in a backtick run longer than
 * any inside it, padded when it starts or ends with a backtick or a space. `cell`: inside a
 * table row, where `|` ends the cell even in code unless escaped.
 */
export function mdCode(s: string, opts: { cell?: boolean } = {}): string {
  let v = visible(s);
  if (v === '') return '`""`';
  if (opts.cell) v = v.replace(/\|/g, '\\|');
  const run = '`'.repeat(Math.max(0, ...[...v.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  const pad = /^[` ]|[` ]$/.test(v) ? ' ' : '';
  return `${run}${pad}${v}${pad}${run}`;
}

/** A fenced block for a diff: a fence longer than any backtick run inside, each line's control characters escaped. */
export function mdFence(body: string, info = ''): string {
  const shown = body
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => visible(l))
    .join('\n');
  const fence = '`'.repeat(Math.max(3, ...[...shown.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${fence}${info}\n${shown}\n${fence}`;
}
