import { describe, expect, it } from 'vitest';
import { docBlocks, linePattern, missingLines, parseMarker } from './doc-blocks.js';

describe('doc block markers', () => {
  it('reads run (exit, timeout), skip (why) and output (lines=)', () => {
    expect(parseMarker('run')).toEqual({ kind: 'run', exit: [0], timeoutS: 120 });
    expect(parseMarker('run exit=1 timeout=30')).toEqual({ kind: 'run', exit: [1], timeoutS: 30 });
    expect(parseMarker('run exit=0|1')).toEqual({ kind: 'run', exit: [0, 1], timeoutS: 120 });
    expect(parseMarker('run exit=ok')).toEqual({ kind: 'invalid', problem: 'exit= takes exit codes, as 1 or 0|1, not ok' });
    expect(parseMarker('skip (needs a cluster)')).toEqual({ kind: 'skip', why: 'needs a cluster' });
    expect(parseMarker('output lines=✔')).toEqual({ kind: 'output', linesStartingWith: '✔' });
  });

  it('refuses a skip without a reason, unknown options and unknown words', () => {
    expect(parseMarker('skip')).toMatchObject({ kind: 'invalid', problem: expect.stringContaining('names why') });
    expect(parseMarker('run retries=3')).toEqual({ kind: 'invalid', problem: 'run takes exit= and timeout=, not retries' });
    expect(parseMarker('maybe')).toEqual({ kind: 'invalid', problem: '"maybe" is not run, skip (why) or output' });
  });

  it('finds fenced blocks with their language, line and the marker above them; longer fences hold shorter ones', () => {
    const md = ['# t', '<!-- doc-test: run -->', '```sh', 'echo hi', '```', '', '````markdown', '```sh', 'inner', '```', '````', '```', 'plain', '```'].join('\n');
    expect(docBlocks('x.md', md)).toEqual([
      { file: 'x.md', line: 3, lang: 'sh', text: 'echo hi', marker: { kind: 'run', exit: [0], timeoutS: 120 } },
      { file: 'x.md', line: 7, lang: 'markdown', text: '```sh\ninner\n```' },
      { file: 'x.md', line: 12, lang: '', text: 'plain' },
    ]);
  });
});

describe('quoted output lines', () => {
  it('match with other numbers, other spacing and … for any text, but not other words', () => {
    const p = linePattern('  ✔  chat (guide)        200 chat.completion, 34 tokens in 0.17 s, finish stop');
    expect(p.test('  ✔  chat (guide)  200 chat.completion, 12 tokens in 1.5 s, finish stop')).toBe(true);
    expect(p.test('  ✖  chat (guide)  200 chat.completion, 12 tokens in 1.5 s, finish stop')).toBe(false);
    expect(linePattern('reqId=… method=POST').test('reqId=req-7b61 method=POST')).toBe(true);
    expect(linePattern('a+b (c)').test('a+b (c)')).toBe(true);
  });

  it('must appear in order; lines= picks which are checked', () => {
    const printed = 'head\n✔ one 1\nnoise\n✔ two 2\n✖ FAIL';
    expect(missingLines('✔ one 5\n✔ two 6', printed)).toEqual([]);
    expect(missingLines('✔ two 6\n✔ one 5', printed)).toEqual(['✔ one 5']);
    expect(missingLines('other\n✔ one 5', printed, '✔')).toEqual([]);
    expect(missingLines('✔ PASS', printed)).toEqual(['✔ PASS']);
  });
});
