import { describe, expect, it } from 'vitest';
import { Slots } from './slots.js';

const signal = () => new AbortController().signal;

describe('Slots (sequences and the bounded queue)', () => {
  it('hands out free slots, queues up to the bound, then rejects with queue_full', async () => {
    // The queue depth the gauge reads at each scrape, after each step.
    const depths: number[] = [];
    const slots = new Slots(['a', 'b'], 2);
    expect(await slots.acquire(signal())).toBe('b');
    expect(await slots.acquire(signal())).toBe('a');
    const w1 = slots.acquire(signal());
    depths.push(slots.depth);
    const w2 = slots.acquire(signal());
    depths.push(slots.depth);
    await expect(slots.acquire(signal())).rejects.toMatchObject({ code: 'queue_full', status: 429, message: 'The server is at capacity (2 requests waiting): retry shortly.' });
    slots.release('a');
    depths.push(slots.depth);
    expect(await w1).toBe('a'); // first come, first served
    slots.release('b');
    depths.push(slots.depth);
    expect(await w2).toBe('b');
    expect(depths).toEqual([1, 2, 1, 0]);
  });

  it('a request takes the free slot it prefers most (a sequence that already holds its prompt), else the most recently released', async () => {
    const slots = new Slots(['abc', 'xyz', 'abx'], 4);
    const common = (s: string) => [...s].findIndex((c, i) => c !== 'abz'[i]);
    expect(await slots.acquire(signal(), common)).toBe('abx'); // 2 in common ('ab'), where 'abc' also has 2: the later one wins the tie
    expect(await slots.acquire(signal(), common)).toBe('abc');
    expect(await slots.acquire(signal(), common)).toBe('xyz');
    slots.release('xyz');
    slots.release('abc');
    expect(await slots.acquire(signal())).toBe('abc');
  });

  it('a request aborted while queued leaves the queue', async () => {
    const slots = new Slots(['only'], 4);
    await slots.acquire(signal());
    const ac = new AbortController();
    const waiting = slots.acquire(ac.signal);
    ac.abort();
    await expect(waiting).rejects.toThrow('aborted while queued');
    expect(slots.depth).toBe(0);
    slots.release('only');
    expect(await slots.acquire(signal())).toBe('only');
  });
});
