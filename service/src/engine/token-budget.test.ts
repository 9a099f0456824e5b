import { describe, expect, it } from 'vitest';
import { completionBudget, countTokensInPieces } from './token-budget.js';

describe('countTokensInPieces', () => {
  it('cuts at spaces, never inside a surrogate pair, and yields between pieces', async () => {
    const pieces: string[] = [];
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    const text = `${'word '.repeat(30)}${'😀'.repeat(40)}`;
    const n = await countTokensInPieces([text, 'short'], (t) => (pieces.push(t), t.length), 64);
    clearInterval(tick);
    expect(pieces.join('')).toBe(`${text}short`);
    expect(n).toBe(text.length + 5);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(64);
    for (const p of pieces) expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(p)).toBe(false);
    expect(pieces[0]!.endsWith('word')).toBe(true);
    expect(pieces.length).toBeGreaterThan(3);
  });
});

describe('completionBudget', () => {
  const b = { context: 100, approximate: false, maxTokens: 50, maxTokensAsked: false };
  it('gives what was asked when it fits, else whatever the context has left', () => {
    expect(completionBudget({ ...b, prompt: 20 })).toBe(50);
    expect(completionBudget({ ...b, prompt: 80 })).toBe(19);
    expect(completionBudget({ ...b, prompt: 49, maxTokensAsked: true })).toBe(50);
  });

  it('refuses a prompt that leaves no room, and an ask that does not fit', () => {
    expect(() => completionBudget({ ...b, prompt: 99 })).toThrow("This model's maximum context length is 100 tokens. However, your messages resulted in 99 tokens. Please reduce the length of the messages.");
    expect(() => completionBudget({ ...b, prompt: 400, approximate: true })).toThrow('your messages resulted in about 400 tokens');
    expect(() => completionBudget({ ...b, prompt: 60, maxTokensAsked: true })).toThrow('However, your messages resulted in 60 tokens and max_tokens asks for 50 more (110 in all). Please reduce the length of the messages or max_tokens.');
  });
});
