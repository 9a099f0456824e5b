import { describe, expect, it } from 'vitest';
import { genReqId } from './request-id.js';

describe('request ids', () => {
  it("keeps the caller's x-request-id when it is a plain token", () => {
    expect(genReqId({ headers: { 'x-request-id': 'trace-42.a_b' } })).toBe('trace-42.a_b');
  });

  it('replaces a missing, repeated, over-long or unsafe one with a fresh id', () => {
    for (const given of [undefined, ['a', 'b'], 'x'.repeat(65), 'bad id', 'a\nb']) expect(genReqId({ headers: { 'x-request-id': given } })).toMatch(/^req-[0-9a-f]{12}$/);
  });

  it('never repeats a fresh id (thousands of them, across refills of the random pool)', () => {
    const ids = Array.from({ length: 5000 }, () => genReqId({ headers: {} }));
    expect(new Set(ids).size).toBe(5000);
    for (const id of ids) expect(id).toMatch(/^req-[0-9a-f]{12}$/);
  });
});
