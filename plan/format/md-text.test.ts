import { describe, expect, it } from 'vitest';
import { mdCode, mdFence, mdText } from './md-text.js';

describe('markdown text from a pull request', () => {
  it('shows images, links, HTML, emphasis and backticks as characters, never as markup', () => {
    const hostile = '![x](https://evil.example/p.png) [click](http://evil.example) <img src=x> **b** `c` _i_ # h | t';
    const shown = mdText(hostile);
    for (const markup of ['![', '](', '<img', '**', '`', '_i_', '|', '# h']) expect(shown).not.toContain(markup);
    // Rendered, the references read as the original characters.
    const rendered = shown.replace(/&#8203;/g, '').replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
    expect(rendered).toBe(hostile);
  });

  it('breaks @mentions, autolinks and email links with a zero-width space, and escapes CR and LF', () => {
    expect(mdText('cc @octocat and @org/team')).toBe('cc @&#8203;octocat and @&#8203;org/team');
    expect(mdText('see https://evil.example or www.evil.example')).toBe('see https:&#8203;//evil.example or www&#8203;.evil.example');
    expect(mdText('cr\r@octocat.yaml\nnext')).toBe('cr&#92;r@&#8203;octocat.yaml&#92;nnext');
  });

  it('puts a value in a code span that its own backticks cannot close', () => {
    expect(mdCode('plain')).toBe('`plain`');
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`x``')).toBe('``` `x`` ```');
    expect(mdCode('a|b', { cell: true })).toBe('`a\\|b`');
    expect(mdCode('line\r\nnext')).toBe('`line\\r\\nnext`');
    expect(mdCode('')).toBe('`""`');
  });

  it('fences a diff with a fence longer than any backtick run in it', () => {
    expect(mdFence('-a\n+```\n', 'diff')).toBe('````diff\n-a\n+```\n````');
    expect(mdFence('+\x1b[2Jx\n')).toBe('```\n+\\x1b[2Jx\n```');
  });
});
